// The page frame and a tiny client-side router: routes live under /ui/ and the daemon answers
// index.html for any of them, so a reload or a bookmarked link lands on the right page.
import { useEffect, useState } from 'react';
import { Link } from './ui.jsx';
import Sources from './pages/Sources.jsx';
import Targets from './pages/Targets.jsx';
import Instances from './pages/Instances.jsx';
import Networks from './pages/Networks.jsx';
import Warnings from './pages/Warnings.jsx';
import Batches from './pages/Batches.jsx';
import Queue from './pages/Queue.jsx';

const BASE = '/ui';
const PAGES = [
  ['sources', 'Sources', Sources],
  ['targets', 'Targets', Targets],
  ['instances', 'Instances', Instances],
  ['networks', 'Networks', Networks],
  ['warnings', 'Warnings', Warnings],
  ['batches', 'Batches', Batches],
  ['queue', 'Queue', Queue],
];

function currentPath() {
  const p = window.location.pathname;
  return p.startsWith(BASE) ? p.slice(BASE.length).replace(/^\/+/, '') : '';
}

export default function App() {
  const [path, setPath] = useState(currentPath());
  useEffect(() => {
    const on = () => setPath(currentPath());
    window.addEventListener('popstate', on);
    return () => window.removeEventListener('popstate', on);
  }, []);
  const [section, ...rest] = path.split('/').map(decodeURIComponent);
  const page = PAGES.find(([key]) => key === section) || PAGES[0];
  const Page = page[2];
  return (
    <div className="app">
      <nav className="sidebar">
        <div className="brand">Migration Manager</div>
        {PAGES.map(([key, title]) => (
          <Link key={key} to={`${BASE}/${key}`} className={key === page[0] ? 'active' : ''}>
            {title}
          </Link>
        ))}
      </nav>
      <main className="content">
        <Page sub={rest.filter(Boolean)} base={`${BASE}/${page[0]}`} />
      </main>
    </div>
  );
}
