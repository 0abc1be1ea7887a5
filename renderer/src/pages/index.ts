// The pages in the sidebar, in order. Adding a page: write renderer/src/pages/<area>/<Name>Page.tsx
// and add one entry here (id = the #/<id> route).
import type { ComponentType } from 'react';
import { BoxesPage } from './boxes/BoxesPage';

export interface PageDef {
  id: string;
  title: string;
  /** One short line under the title in the page header. */
  subtitle: string;
  /** An inline SVG path (24×24 viewBox) for the sidebar icon. */
  icon: string;
  component: ComponentType;
}

export const PAGES: PageDef[] = [
  {
    id: 'boxes',
    title: 'Boxes',
    subtitle: 'Find SE3 boxes on the network and set their DevSno and LoginUrl',
    icon: 'M3 7l9-4 9 4v10l-9 4-9-4V7zm9-2.2L5.5 7.6 12 10.5l6.5-2.9L12 4.8zM5 9.2v6.5l6 2.7v-6.5L5 9.2zm8 9.2 6-2.7V9.2l-6 2.7v6.5z',
    component: BoxesPage,
  },
];
