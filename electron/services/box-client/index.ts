// Reading and setting a box's DevSno / LoginUrl, one box or a CSV batch. See box-client.ts.
export { BoxClient, BoxClientError, type BoxClientOptions } from './box-client';
export { configureCsv, type BatchOptions } from './batch';
export { parseConfigCsv, type CsvRow } from './csv';
export { parseTarget, targetLabel, type BoxTarget } from './target';
export { createBoxesService, type BoxesServiceOptions, type ClosableBoxesService } from './boxes-service';
