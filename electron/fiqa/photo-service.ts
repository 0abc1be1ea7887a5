// The Photo Check service behind the API ("photos" area): checks enrolment photos with the
// face worker pool, off the UI thread. (Filled in by the Photo Check work.)
export interface PhotoCheckService {
  close(): Promise<void>;
}

export interface PhotoCheckServiceOptions {
  dataDir: string;
}

export function createPhotoCheckService(_o: PhotoCheckServiceOptions): PhotoCheckService {
  return { close: async () => {} };
}
