/**
 * Device keys and certificates for tests that play a device without a library (a raw connection, a
 * relay, a hostile peer): made once per device id and test process, as `openLibrary` makes them.
 */
import { type DeviceCredentials, deviceCredentials } from '../../runtime/library/device-credentials.js';
import { temporaryDirectory } from './libraries.js';

const made = new Map<string, Promise<DeviceCredentials>>();

/** The key and certificate (CN = `deviceId`) of a device played by a test. */
export function testCredentials(deviceId: string): Promise<DeviceCredentials> {
  let credentials = made.get(deviceId);
  if (!credentials) {
    credentials = deviceCredentials(temporaryDirectory('credentials'), deviceId);
    made.set(deviceId, credentials);
  }
  return credentials;
}
