/**
 * The simulated network (`syncgen/transports/simulated`): in process, virtual time, seeded faults.
 * For fault tests beside the real TCP transport, never instead of it.
 */
export { SimulatedNetwork, SimulatedTransport, type NetworkStats, type SimulatedFaults } from './network.js';
export { VirtualScheduler } from './virtual-scheduler.js';
export { seededRandom } from './seeded-random.js';
