// The Deploy page: choose boxes (typed, or handed over from the Boxes page), how to log in and
// which agent bundle; the job then runs in the background with a progress bar per box, a live
// log and the report. Per box: status and roll back; a changed host key asks before going on.
import { useCallback, useEffect, useState } from 'react';
import type { BundleChoice, DeployInfo, DeployRequest, JobBox, JobSummary } from '../../../../electron/api/deploy';
import { api } from '../../api';
import { boxSelection } from './BoxProgress';
import { DeployForm, EMPTY_FORM, type FormValues } from './DeployForm';
import { splitTargets } from './format';
import { takeHandedTargets } from './handoff';
import { JobLog } from './JobLog';
import { JobReport } from './JobReport';
import { JobView } from './JobView';
import { useDeployJobs } from './useDeployJobs';
import './deploy.css';

const FORM_KEY = 'se3kit.deploy.form';

/** The form survives a reload (never the password). */
function initialForm(): FormValues {
  let saved: Partial<FormValues> = {};
  try {
    saved = JSON.parse(sessionStorage.getItem(FORM_KEY) ?? '{}') as Partial<FormValues>;
  } catch {
    /* nothing saved */
  }
  const form = { ...EMPTY_FORM, ...saved, password: '', remember: false };
  const handed = takeHandedTargets();
  if (handed?.length) form.targets = handed.join('\n');
  return form;
}

function selectionOf(v: FormValues) {
  return {
    targets: splitTargets(v.targets),
    user: v.user.trim() || 'root',
    ...(v.prefix.trim() ? { prefix: v.prefix.trim() } : {}),
    agentPort: Number(v.agentPort),
  };
}

export function DeployPage() {
  const jobs = useDeployJobs();
  const [form, setForm] = useState<FormValues>(initialForm);
  const [info, setInfo] = useState<DeployInfo | null>(null);
  const [bundles, setBundles] = useState<BundleChoice[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const change = useCallback((patch: Partial<FormValues>) => setForm((f) => ({ ...f, ...patch })), []);

  useEffect(() => {
    const { password: _pw, remember: _r, ...rest } = form;
    sessionStorage.setItem(FORM_KEY, JSON.stringify(rest));
  }, [form]);

  const loadBundles = useCallback(() => {
    return api.call('deploy.bundles', {}).then(setBundles, (err: Error) => {
      setBundles([]);
      setError(err.message);
    });
  }, []);

  const loadInfo = useCallback(() => {
    api.call('deploy.info', {}).then((i) => {
      setInfo(i);
      // No installation key yet: that login cannot work, so preselect adopting with the box
      // password (which installs the key for next time).
      if (!i.installationKey) setForm((f) => (f.auth === 'installation-key' ? { ...f, auth: 'password' } : f));
    }, () => setInfo(null));
  }, []);

  useEffect(() => {
    loadInfo();
    loadBundles();
  }, [loadInfo, loadBundles]);

  const launch = async (start: () => Promise<{ jobId: string }>) => {
    setBusy(true);
    setError(null);
    const problem = await jobs.launch(start);
    setBusy(false);
    setError(problem);
    if (!problem) {
      setForm((f) => ({ ...f, password: '', trustKey: false })); // the password went with the job; not kept here
      loadInfo();
      loadBundles(); // a key trusted with this job shows as trusted now
    }
  };

  const deploy = () => {
    const chosen = bundles?.find((b) => b.path === form.bundle);
    const auth: DeployRequest['auth'] =
      form.auth === 'password'
        ? { kind: 'password', password: form.password, ...(form.remember ? { remember: true } : {}) }
        : form.auth === 'key-file'
          ? { kind: 'key-file', keyFile: form.keyFile.trim() }
          : { kind: 'installation-key' };
    const req: DeployRequest = {
      ...selectionOf(form),
      bundle: form.bundle.trim(),
      auth,
      ...(form.trustKey && chosen?.signedBy && !chosen.trusted ? { trustBundleKey: chosen.signedBy } : {}),
      concurrency: Number(form.concurrency),
      healthTimeoutSec: Number(form.healthTimeout) || 30,
      ...(form.agentArgs.trim() ? { agentArgs: form.agentArgs.trim().split(/\s+/) } : {}),
    };
    void launch(() => api.call('deploy.start', req));
  };

  const adopt = () => {
    void launch(() => api.call('deploy.adopt', { ...selectionOf(form), password: form.password, ...(form.remember ? { remember: true } : {}) }));
  };

  const rollback = (job: JobSummary, box: JobBox) => {
    const { target, ...rest } = boxSelection(box, job.settings);
    void launch(() => api.call('deploy.rollback', { ...rest, targets: [target] }));
  };

  return (
    <div className="page deploy-page">
      <DeployForm
        values={form}
        onChange={change}
        info={info}
        bundles={bundles}
        onReloadBundles={loadBundles}
        busy={busy}
        error={error}
        onDeploy={deploy}
        onAdopt={adopt}
      />
      {jobs.error && (
        <div className="banner error" role="alert">
          {jobs.error}
        </div>
      )}
      {jobs.current ? (
        <>
          <div className="deploy-run">
            <JobView job={jobs.current} jobs={jobs.jobs} onShow={jobs.show} onRollback={rollback} />
            <JobLog lines={jobs.current.log} />
          </div>
          {jobs.current.state === 'done' && <JobReport job={jobs.current} />}
        </>
      ) : (
        <section className="card">
          <div className="empty">
            <p className="empty-title">No deploy yet</p>
            <p>
              Enter the boxes above (or tick them on the <a href="#/boxes">Boxes</a> page and press <strong>Deploy to selected</strong>), choose a bundle
              and press <strong>Deploy</strong>. New boxes: choose <strong>Adopt with the box password</strong> once; later deploys log in with this
              installation's key.
            </p>
          </div>
        </section>
      )}
    </div>
  );
}
