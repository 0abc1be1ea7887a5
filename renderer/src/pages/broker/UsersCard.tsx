// Broker users: the list (delete with an inline confirmation) and the add form. Passwords go
// to the service once and are kept only as salted hashes.
import { useState, type FormEvent } from 'react';
import { brokerPasswordProblem, brokerUserNameProblem, MIN_BROKER_PASSWORD, type BrokerUser } from '../../../../electron/api/broker';

export interface UsersCardProps {
  users: BrokerUser[];
  busy: boolean;
  /** Why adding or deleting a user failed. */
  error: string | null;
  onAdd(name: string, password: string): Promise<boolean>;
  onDelete(name: string): Promise<boolean>;
  onSetPassword(name: string, password: string): Promise<boolean>;
}

export function UsersCard({ users, busy, error, onAdd, onDelete, onSetPassword }: UsersCardProps) {
  const [confirming, setConfirming] = useState<string | null>(null);
  const [changing, setChanging] = useState<string | null>(null);
  return (
    <section className="card broker-users" aria-label="Users">
      <div className="section-head">
        <div>
          <h2>
            Users <span className="count">{users.length}</span>
          </h2>
          <p className="muted">
            Boxes and apps log in with one of these. A user added here gets full access to the vhost /.
            {users.some((u) => u.owner) && ' Users tagged "site platform" belong to the site: the platform\'s own user (administrator, full access to every vhost listed) and one per box (its command queue and its own upload vhost only). Remove a box on the Site page, not here.'}
          </p>
        </div>
      </div>
      {users.length === 0 ? (
        <p className="broker-none">No users yet.</p>
      ) : (
        <ul className="user-list">
          {users.map((u) => (
            <li key={u.name} data-user={u.name}>
              <span className="user-name">{u.name}</span>
              {u.owner && (
                <span className="tag user-owner" title={u.owner === 'platform' ? "The site platform's own user" : "A box's login, managed on the Site page"}>
                  site platform
                </span>
              )}
              {confirming !== u.name && <span className="muted user-access">{u.vhosts.length ? `vhost ${u.vhosts.join(', ')}` : 'no access'}</span>}
              {confirming === u.name ? (
                <span className="user-confirm">
                  <button
                    type="button"
                    className="danger small"
                    aria-label={`Yes, delete ${u.name}`}
                    disabled={busy}
                    onClick={() => void onDelete(u.name).then(() => setConfirming(null))}
                  >
                    Yes, delete
                  </button>
                  <button type="button" className="secondary small" onClick={() => setConfirming(null)}>
                    Keep
                  </button>
                </span>
              ) : u.owner ? null : (
                <span className="user-actions">
                  <button type="button" className="link-button user-password" aria-label={`Change password of ${u.name}`} onClick={() => setChanging(changing === u.name ? null : u.name)}>
                    Change password
                  </button>{' '}
                  <button type="button" className="link-button user-delete" aria-label={`Delete user ${u.name}`} onClick={() => setConfirming(u.name)}>
                    Delete
                  </button>
                </span>
              )}
              {changing === u.name && (
                <PasswordForm
                  name={u.name}
                  busy={busy}
                  onCancel={() => setChanging(null)}
                  onSave={(p) => onSetPassword(u.name, p).then((ok) => (ok ? setChanging(null) : undefined))}
                />
              )}
            </li>
          ))}
        </ul>
      )}
      {error && (
        <div className="banner error users-error" role="alert">
          {error}
        </div>
      )}
      <AddUserForm busy={busy} existing={users} onAdd={onAdd} />
    </section>
  );
}

function AddUserForm({ busy, existing, onAdd }: { busy: boolean; existing: BrokerUser[]; onAdd(name: string, password: string): Promise<boolean> }) {
  const [name, setName] = useState('');
  const [password, setPassword] = useState('');
  const [tried, setTried] = useState(false);
  const nameProblem = brokerUserNameProblem(name) ?? (existing.some((u) => u.name === name) ? `There is already a user named "${name}".` : null);
  const passwordProblem = brokerPasswordProblem(password);
  const problem = nameProblem ?? passwordProblem;

  async function submit(e: FormEvent) {
    e.preventDefault();
    setTried(true);
    if (problem) return;
    if (await onAdd(name, password)) {
      setName('');
      setPassword('');
      setTried(false);
    }
  }

  return (
    <form className="add-user" onSubmit={(e) => void submit(e)} noValidate aria-label="Add a user">
      <div className="add-user-fields">
        <label className="field">
          <span>User name</span>
          <input name="user-name" autoComplete="off" spellCheck={false} value={name} onChange={(e) => setName(e.target.value)} aria-invalid={tried && !!nameProblem} />
        </label>
        <label className="field">
          <span>Password</span>
          <input
            name="user-password"
            type="password"
            autoComplete="new-password"
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={tried && !nameProblem && !!passwordProblem}
          />
        </label>
      </div>
      {tried && problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : (
        <p className="hint">At least {MIN_BROKER_PASSWORD} characters. Stored only as a salted hash: it cannot be shown again.</p>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={busy}>
          Add user
        </button>
      </div>
    </form>
  );
}

function PasswordForm({ name, busy, onSave, onCancel }: { name: string; busy: boolean; onSave(password: string): Promise<unknown>; onCancel(): void }) {
  const [password, setPassword] = useState('');
  const [tried, setTried] = useState(false);
  const problem = brokerPasswordProblem(password);
  return (
    <form
      className="user-password-form"
      aria-label={`New password for ${name}`}
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        setTried(true);
        if (!problem) void onSave(password);
      }}
    >
      <input name="new-password" type="password" autoComplete="new-password" placeholder="New password" value={password} onChange={(e) => setPassword(e.target.value)} aria-invalid={tried && !!problem} />
      <button type="submit" className="primary small" disabled={busy}>
        Save password
      </button>
      <button type="button" className="secondary small" onClick={onCancel}>
        Cancel
      </button>
      {tried && problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : (
        <p className="hint">Boxes already connected stay connected; they need the new password at their next login.</p>
      )}
    </form>
  );
}
