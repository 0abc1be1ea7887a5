// The pages in the sidebar, in order. Adding a page: write renderer/src/pages/<area>/<Name>Page.tsx
// and add one entry here (id = the #/<id> route).
import type { ComponentType } from 'react';
import { BoxesPage } from './boxes/BoxesPage';
import { BrokerPage } from './broker/BrokerPage';
import { DeployPage } from './deploy/DeployPage';
import { PhotosPage } from './photos/PhotosPage';
import { SitePage } from './site/SitePage';
import { PeoplePage } from './people/PeoplePage';
import { GroupsPage } from './groups/GroupsPage';
import { EventsPage } from './events/EventsPage';
import { DevicesPage } from './devices/DevicesPage';
import { useActiveAlertCount } from './devices/useAlerts';

export interface PageDef {
  id: string;
  title: string;
  /** One short line under the title in the page header. */
  subtitle: string;
  /** An inline SVG path (24×24 viewBox) for the sidebar icon. */
  icon: string;
  component: ComponentType;
  /** A hook giving a number to show beside the title in the sidebar (null: none). */
  useBadge?: () => number | null;
  /** What the badge's number counts (for screen readers), e.g. 'active alerts'. */
  badgeLabel?: string;
}

export const PAGES: PageDef[] = [
  {
    id: 'boxes',
    title: 'Boxes',
    subtitle: 'Find SE3 boxes on the network and set their DevSno and LoginUrl',
    icon: 'M3 7l9-4 9 4v10l-9 4-9-4V7zm9-2.2L5.5 7.6 12 10.5l6.5-2.9L12 4.8zM5 9.2v6.5l6 2.7v-6.5L5 9.2zm8 9.2 6-2.7V9.2l-6 2.7v6.5z',
    component: BoxesPage,
  },
  {
    id: 'deploy',
    title: 'Deploy',
    subtitle: 'Install, update and roll back the edge agent on boxes over SSH',
    icon: 'M12 3l5 5h-3v6h-4V8H7l5-5zm-8 14h16v4H4v-4z',
    component: DeployPage,
  },
  {
    id: 'photos',
    title: 'Photo Check',
    subtitle: 'Check enrolment photos for face quality before they are uploaded',
    icon: 'M4 5h3l2-2h6l2 2h3a1 1 0 0 1 1 1v13a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm8 3a5 5 0 1 0 0 10 5 5 0 0 0 0-10zm0 2a3 3 0 1 1 0 6 3 3 0 0 1 0-6z',
    component: PhotosPage,
  },
  {
    id: 'broker',
    title: 'Broker',
    subtitle: 'The embedded AMQP broker the boxes talk to: connections, queues and rates',
    icon: 'M4 4h16v4H4V4zm0 6h16v4H4v-4zm0 6h16v4H4v-4zm2-11v2h2V5H6zm0 6v2h2v-2H6zm0 6v2h2v-2H6z',
    component: BrokerPage,
  },
  {
    id: 'site',
    title: 'Site',
    subtitle: "This site's boxes: authorisation codes, online state, groups, sync and wipe",
    icon: 'M12 2l9 5v2H3V7l9-5zm-7 9h2v7H5v-7zm4 0h2v7H9v-7zm4 0h2v7h-2v-7zm4 0h2v7h-2v-7zM3 20h18v2H3v-2z',
    component: SitePage,
  },
  {
    id: 'people',
    title: 'People',
    subtitle: 'People, their photos (checked on upload) and where they are enrolled',
    icon: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8zm0 2c-4 0-8 2-8 5v1h16v-1c0-3-4-5-8-5z',
    component: PeoplePage,
  },
  {
    id: 'groups',
    title: 'Groups',
    subtitle: 'Permission groups: who goes on which box',
    icon: 'M4 4h7v7H4V4zm9 0h7v7h-7V4zM4 13h7v7H4v-7zm9 0h7v7h-7v-7z',
    component: GroupsPage,
  },
  {
    id: 'events',
    title: 'Events',
    subtitle: 'Who the boxes saw, live: spot pictures, matches and strangers',
    icon: 'M12 2a10 10 0 1 1 0 20 10 10 0 0 1 0-20zm0 2a8 8 0 1 0 0 16 8 8 0 0 0 0-16zm-1 3h2v5.4l3.6 2.1-1 1.7L11 13.6V7z',
    component: EventsPage,
  },
  {
    id: 'devices',
    title: 'Devices',
    subtitle: 'Every box: online or not, CPU, memory and disk over time, capture devices and alerts',
    icon: 'M3 4h18v12H3V4zm2 2v8h14V6H5zm3 12h8v2H8v-2zm-1-5 3-4 3 3 2-2 3 3H7z',
    component: DevicesPage,
    useBadge: useActiveAlertCount,
    badgeLabel: 'active alerts',
  },
];
