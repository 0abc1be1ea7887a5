// The Deploy page's form: which boxes, how to log in (this installation's key, a key file, or
// adopt with the box password), which agent bundle, and the install settings.
import { useCallback, useEffect, useState } from 'react';
import type { BundleChoice, DeployAuth, DeployInfo } from '../../../../electron/api/deploy';
import { bytes } from './format';
import { BundleUpload } from './BundleUpload';
import { KeyFilePicker } from './KeyFilePicker';
import { PinnedKeys } from './PinnedKeys';
import { splitTargets } from './format';
import { boxSpecProblem } from '../../../../electron/deploy/box-spec';

export type AuthKind = DeployAuth['kind'];

export interface FormValues {
  targets: string;
  user: string;
  auth: AuthKind;
  keyFile: string;
  password: string;
  remember: boolean;
  bundle: string;
  /** Trust the chosen bundle's signing key (sent only when it is not trusted yet). */
  trustKey: boolean;
  prefix: string;
  concurrency: string;
  agentPort: string;
  agentArgs: string;
  healthTimeout: string;
}

export const EMPTY_FORM: FormValues = {
  targets: '',
  user: 'root',
  auth: 'installation-key',
  keyFile: '',
  password: '',
  remember: false,
  bundle: '',
  trustKey: false,
  prefix: '/opt/se3-agent',
  concurrency: '4',
  agentPort: '5555',
  agentArgs: '',
  healthTimeout: '30',
};

/** Field problems the page can see before sending (the server checks everything again). */
export function formProblems(v: FormValues, action: 'deploy' | 'adopt'): string[] {
  const out: string[] = [];
  const targets = splitTargets(v.targets);
  if (targets.length === 0) out.push('Enter at least one box (host or host:port).');
  for (const t of targets) {
    const p = boxSpecProblem(t);
    if (p) out.push(`${p[0]!.toUpperCase()}${p.slice(1)}.`);
  }
  if (action === 'adopt' || v.auth === 'password') {
    if (!v.password) out.push('Enter the box password for the adopt step.');
  } else if (v.auth === 'key-file' && !v.keyFile.trim()) out.push('Upload an SSH key file, or choose one.');
  if (action === 'deploy' && !v.bundle.trim()) out.push('Choose an agent bundle.');
  const n = Number(v.concurrency);
  if (!Number.isInteger(n) || n < 1 || n > 64) out.push('Boxes at a time must be 1–64.');
  const p = Number(v.agentPort);
  if (!Number.isInteger(p) || p < 1 || p > 65535) out.push('Agent port must be 1–65535.');
  return out;
}

export function DeployForm(props: {
  values: FormValues;
  onChange: (patch: Partial<FormValues>) => void;
  info: DeployInfo | null;
  bundles: BundleChoice[] | null;
  onReloadBundles: () => Promise<void> | void;
  busy: boolean;
  error: string | null;
  onDeploy: () => void;
  onAdopt: () => void;
}) {
  const v = props.values;
  const set = props.onChange;
  const [tried, setTried] = useState<'deploy' | 'adopt' | null>(null);
  const problems = tried ? formProblems(v, tried) : [];
  const chosen = props.bundles?.find((b) => b.path === v.bundle);
  const known = !!chosen;
  const targets = splitTargets(v.targets);

  // choose the newest bundle when none is chosen yet
  useEffect(() => {
    if (props.bundles && props.bundles.length > 0 && !props.bundles.some((b) => b.path === v.bundle)) set({ bundle: props.bundles[0]!.path, trustKey: false });
  }, [props.bundles, v.bundle, set]);
  const setKeyFile = useCallback((id: string) => set({ keyFile: id }), [set]);

  const submit = (action: 'deploy' | 'adopt') => {
    if (formProblems(v, action).length > 0) {
      setTried(action); // show what is missing until it is fixed
      return;
    }
    setTried(null);
    (action === 'deploy' ? props.onDeploy : props.onAdopt)();
  };

  return (
    <form
      className="card deploy-form"
      aria-label="Deploy settings"
      onSubmit={(e) => {
        e.preventDefault();
        submit('deploy');
      }}
    >
      <div className="section-head">
        <div>
          <h2>Boxes and settings</h2>
          <p className="muted">One box per line: host or host:port (the SSH port, 22 when left out). user@host works too.</p>
        </div>
      </div>
      <div className="deploy-grid">
        <label className="field targets-field">
          <span>Boxes</span>
          <textarea name="targets" rows={4} value={v.targets} placeholder={'192.168.1.20\n192.168.1.21:2222'} onChange={(e) => set({ targets: e.target.value })} />
          <PinnedKeys targets={targets} />
        </label>
        <div className="deploy-side">
          <label className="field">
            <span>SSH user</span>
            <input name="user" value={v.user} onChange={(e) => set({ user: e.target.value })} autoComplete="off" />
          </label>
          <fieldset className="field auth-choice">
            <span>Log in with</span>
            <label className="check">
              <input type="radio" name="auth" value="installation-key" checked={v.auth === 'installation-key'} onChange={() => set({ auth: 'installation-key' })} />
              This installation's key{props.info && !props.info.installationKey ? <span className="muted"> (none yet: adopt first)</span> : null}
            </label>
            <label className="check">
              <input type="radio" name="auth" value="key-file" checked={v.auth === 'key-file'} onChange={() => set({ auth: 'key-file' })} />
              A key file
            </label>
            <label className="check">
              <input type="radio" name="auth" value="password" checked={v.auth === 'password'} onChange={() => set({ auth: 'password' })} />
              Adopt with the box password
            </label>
          </fieldset>
          {v.auth === 'installation-key' && props.info?.installationKey && (
            <details className="pubkey">
              <summary>This installation's public key</summary>
              <code data-testid="installation-key">{props.info.installationKey}</code>
              <p className="hint">Adopt puts it in the box user's ~/.ssh/authorized_keys; you may also install it there yourself.</p>
            </details>
          )}
          {v.auth === 'key-file' && (
            <KeyFilePicker value={v.keyFile} onChange={setKeyFile} />
          )}
          {(v.auth === 'password' || tried === 'adopt') && (
            <PasswordField values={v} set={set} info={props.info} />
          )}
        </div>
      </div>

      <div className="deploy-grid bundle-row">
        <div className="field">
          <span id="bundle-label">Agent bundle</span>
          <div className="bundle-pick">
            <select name="bundle" aria-labelledby="bundle-label" value={known ? v.bundle : ''} onChange={(e) => set({ bundle: e.target.value, trustKey: false })}>
              {!known && <option value="">{props.bundles === null ? 'Looking for bundles…' : 'No bundle yet: add one below'}</option>}
              {props.bundles?.map((b) => (
                <option key={b.path} value={b.path}>
                  {/* the file name already says version and architecture; no more, so it fits the field at 1366 px */}
                  {b.fileName} · {bytes(b.size)}
                  {b.source === 'data' ? ' (data folder)' : ''}
                </option>
              ))}
            </select>
            <button type="button" className="secondary" onClick={() => void props.onReloadBundles()}>
              Refresh
            </button>
          </div>
          <BundleUpload
            onAdded={async (b) => {
              await props.onReloadBundles();
              if (b) set({ bundle: b.path, trustKey: false });
            }}
          />
          {chosen && <BundleSignature bundle={chosen} trustKey={v.trustKey} set={set} />}
          <p className="hint">
            Add the release file you were given (se3-agent-…-linux-arm64.tar.gz); it is kept in this installation's data folder. Bundles built here
            (<code>dist/agent</code>) are listed too.
          </p>
        </div>
        <div className="settings-row">
          <label className="field">
            <span>Install prefix</span>
            <input name="prefix" className="mono" value={v.prefix} onChange={(e) => set({ prefix: e.target.value })} />
          </label>
          <label className="field narrow">
            <span>Boxes at a time</span>
            <input name="concurrency" inputMode="numeric" value={v.concurrency} onChange={(e) => set({ concurrency: e.target.value })} />
          </label>
        </div>
      </div>

      <details className="advanced">
        <summary>Advanced</summary>
        <div className="settings-row">
          <label className="field narrow">
            <span>Agent port</span>
            <input name="agentPort" inputMode="numeric" value={v.agentPort} onChange={(e) => set({ agentPort: e.target.value })} />
          </label>
          <label className="field narrow">
            <span>Health timeout (s)</span>
            <input name="healthTimeout" inputMode="numeric" value={v.healthTimeout} onChange={(e) => set({ healthTimeout: e.target.value })} />
          </label>
          <label className="field grow">
            <span>Extra agent arguments</span>
            <input name="agentArgs" className="mono" value={v.agentArgs} placeholder="--no-mdns" onChange={(e) => set({ agentArgs: e.target.value })} />
          </label>
        </div>
      </details>

      {problems.length > 0 && (
        <ul className="field-error problems" role="alert">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      {props.error && (
        <div className="banner error" role="alert" data-testid="deploy-error">
          {props.error}
        </div>
      )}
      <div className="form-actions">
        <button type="submit" className="primary" disabled={props.busy}>
          {v.auth === 'password' ? 'Adopt and deploy' : 'Deploy'}
        </button>
        <button type="button" className="secondary" disabled={props.busy} onClick={() => submit('adopt')}>
          Adopt only
        </button>
        <span className="hint">
          {targets.length ? `${targets.length} box${targets.length === 1 ? '' : 'es'}` : 'No boxes yet'} · a failed new version is rolled back automatically
        </span>
      </div>
    </form>
  );
}

/** Who signed the chosen bundle, and the explicit choice to trust a key this installation does not know. */
function BundleSignature(props: { bundle: BundleChoice; trustKey: boolean; set: (p: Partial<FormValues>) => void }) {
  const b = props.bundle;
  if (!b.signedBy) {
    return (
      <p className="field-error" data-testid="bundle-signature">
        This bundle is not signed, so deploy will refuse it. Ask for the signed release file.
      </p>
    );
  }
  if (b.trusted) {
    return (
      <p className="hint" data-testid="bundle-signature">
        Signed by a trusted key <code>{b.signedBy}</code>.
      </p>
    );
  }
  return (
    <div className="field-error" data-testid="bundle-signature">
      <p>
        Signed by a key this installation does not trust: <code>{b.signedBy}</code>. Trust it only if you know it belongs to whoever builds your releases.
      </p>
      <label className="check">
        <input type="checkbox" name="trustKey" checked={props.trustKey} onChange={(e) => props.set({ trustKey: e.target.checked })} />
        Trust this signing key
      </label>
    </div>
  );
}

function PasswordField(props: { values: FormValues; set: (p: Partial<FormValues>) => void; info: DeployInfo | null }) {
  const { values: v, set, info } = props;
  return (
    <div className="field">
      <label className="field">
        <span>Box password (used once to install this installation's key)</span>
        <input name="password" type="password" value={v.password} autoComplete="off" onChange={(e) => set({ password: e.target.value })} />
      </label>
      {info?.canRememberPasswords ? (
        <label className="check">
          <input type="checkbox" name="remember" checked={v.remember} onChange={(e) => set({ remember: e.target.checked })} />
          Remember it, encrypted by this computer's keychain
        </label>
      ) : (
        <p className="hint">{info?.passwordNote ?? 'The password is not stored.'}</p>
      )}
    </div>
  );
}
