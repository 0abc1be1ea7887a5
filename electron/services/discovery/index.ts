// Discovery of SE3 boxes on the LAN (mDNS + active probe). See discovery.ts.
export { Discovery, type DiscoveryOptions, type DiscoveryEvents, type ScanHandle, type ScanPlan } from './discovery';
export { parseCidr, formatCidr, defaultCidrs, localNets, type Cidr, type LocalNet } from './cidr';
export { readNeighbours, normalizeMac } from './neighbours';
export { MDNS_SERVICE_TYPE } from './mdns-browser';
