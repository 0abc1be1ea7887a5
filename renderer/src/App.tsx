// The app shell: sidebar navigation (pages from ./pages), the site-mode login gate and the
// connection banner.
import { useEffect, useState } from 'react';
import { api, type LinkState } from './api';
import { Icon } from './components/Icon';
import { LoginPage } from './LoginPage';
import { NavBadge } from './components/NavBadge';
import { PAGES } from './pages';

function currentPageId(): string {
  const id = window.location.hash.replace(/^#\/?/, '');
  return PAGES.some((p) => p.id === id) ? id : PAGES[0]!.id;
}

export function App() {
  const [auth, setAuth] = useState<'checking' | 'in' | 'out'>('checking');
  const [authError, setAuthError] = useState<string | null>(null);
  const [pageId, setPageId] = useState(currentPageId);
  const [link, setLink] = useState<LinkState>('live');

  useEffect(() => {
    api.session().then(
      (ok) => setAuth(ok ? 'in' : 'out'),
      () => {
        setAuthError('Cannot reach the Field Kit server. Is `se3kit serve` still running?');
        setAuth('out');
      },
    );
    const offLost = api.onAuthLost(() => {
      setAuthError('Your session ended (the server restarted or you were logged out). Log in again.');
      setAuth('out');
    });
    const offLink = api.onLinkState(setLink);
    const onHash = () => setPageId(currentPageId());
    window.addEventListener('hashchange', onHash);
    return () => {
      offLost();
      offLink();
      window.removeEventListener('hashchange', onHash);
    };
  }, []);

  if (auth === 'checking') return <div className="splash">Loading…</div>;
  if (auth === 'out')
    return (
      <LoginPage
        notice={authError}
        onLoggedIn={() => {
          setAuthError(null);
          setAuth('in');
        }}
      />
    );

  const page = PAGES.find((p) => p.id === pageId) ?? PAGES[0]!;
  const Page = page.component;
  return (
    <div className="shell">
      <nav className="sidebar" aria-label="Main">
        <div className="brand">
          <span className="brand-mark">SE3</span>
          <span className="brand-name">Field Kit</span>
        </div>
        <ul>
          {PAGES.map((p) => (
            <li key={p.id}>
              <a href={`#/${p.id}`} className={p.id === page.id ? 'active' : undefined} aria-current={p.id === page.id ? 'page' : undefined}>
                <Icon path={p.icon} />
                {p.title}
                {p.useBadge && <NavBadge use={p.useBadge} label={p.badgeLabel ?? 'new'} />}
              </a>
            </li>
          ))}
        </ul>
        <div className="sidebar-foot">
          <span className={`link-dot ${link}`} title={link === 'live' ? 'Live updates on' : 'Reconnecting live updates…'} />
          {api.mode === 'site' ? 'Site mode' : 'Desktop'}
          {api.mode === 'site' && (
            <button
              className="link-button"
              onClick={() => {
                void api.logout().finally(() => setAuth('out'));
              }}
            >
              Log out
            </button>
          )}
        </div>
      </nav>
      <main className="content">
        {link === 'connecting' && <div className="banner warn">Live updates are reconnecting… results may lag until they are back.</div>}
        <header className="page-header">
          <h1>{page.title}</h1>
          <p>{page.subtitle}</p>
        </header>
        <Page />
      </main>
    </div>
  );
}
