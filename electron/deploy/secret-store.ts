// Where the deploy service may keep secrets (box passwords). The desktop app backs this with
// Electron safeStorage (encrypted by the OS keychain); headless mode uses `noSecretStore`,
// which stores nothing. The deploy service itself never writes a password anywhere else.
export interface SecretStore {
  /** True when secrets are kept encrypted (safeStorage); false: nothing is kept. */
  readonly persistent: boolean;
  /** Why nothing is kept, in plain words, when !persistent (shown next to "remember password"). */
  readonly note?: string;
  get(name: string): Promise<string | null>;
  set(name: string, value: string): Promise<void>;
  delete(name: string): Promise<void>;
}

export const noSecretStore: SecretStore = {
  persistent: false,
  note: 'Passwords are never stored in site mode; they are used once for the adopt step.',
  async get() {
    return null;
  },
  async set() {
    /* headless: secrets are never stored */
  },
  async delete() {
    /* nothing stored */
  },
};

export function passwordSecretName(user: string, host: string, port: number): string {
  return `box-password:${user}@${host}:${port}`;
}
