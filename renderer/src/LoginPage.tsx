// Site mode only: the admin password form.
import { useState, type FormEvent } from 'react';
import { api, ApiCallError } from './api';

export function LoginPage({ onLoggedIn, notice }: { onLoggedIn: () => void; notice: string | null }) {
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!password) {
      setError('Enter the admin password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await api.login(password);
      onLoggedIn();
    } catch (err) {
      const e2 = err as ApiCallError;
      // 429: the server's message says when the lockout ends and how an operator lifts it.
      setError(e2.status === 401 ? 'Wrong password. Check it and try again.' : e2.message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <div className="login-wrap">
      <form className="login card" onSubmit={submit} noValidate>
        <div className="brand large">
          <span className="brand-mark">SE3</span>
          <span className="brand-name">Field Kit</span>
        </div>
        <h1>Log in</h1>
        {notice && <div className="banner warn">{notice}</div>}
        <label className="field">
          <span>Admin password</span>
          <input
            type="password"
            name="password"
            autoComplete="current-password"
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={!!error}
          />
        </label>
        {error && (
          <p className="field-error" role="alert">
            {error}
          </p>
        )}
        <button className="primary wide" type="submit" disabled={busy}>
          {busy ? 'Checking…' : 'Log in'}
        </button>
        <p className="hint">
          The password was printed once when <code>se3kit serve</code> first started. Lost it? On the computer that runs site mode, run{' '}
          <code>se3kit serve --reset-password</code> (with the same <code>--data</code> folder): it prints a new password. If site mode is running, it
          keeps running and accepts the new password at once (and lifts any lockout); if it is not, the command starts it.
        </p>
      </form>
    </div>
  );
}
