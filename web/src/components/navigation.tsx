import {
  ApartmentOutlined,
  AuditOutlined,
  CloudUploadOutlined,
  DashboardOutlined,
  FieldTimeOutlined,
  FileSearchOutlined,
  IdcardOutlined,
  ScheduleOutlined,
  SettingOutlined,
  SolutionOutlined,
  TeamOutlined,
  ToolOutlined,
  UnorderedListOutlined,
  VideoCameraOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';
import type { Permission } from '../api/shapes.ts';
import type { DictKey } from '../i18n/i18n-context.tsx';

export interface NavLeaf {
  path: string;
  label: DictKey;
  icon: ReactNode;
  /** Shown only when the user has this permission; none = every logged-in user. */
  permission?: Permission;
}

export interface NavGroup {
  key: string;
  label: DictKey;
  icon: ReactNode;
  children: NavLeaf[];
}

/** The left navigation (DESIGN.md "Screens"); later features add their groups here. */
export const navigation: (NavLeaf | NavGroup)[] = [
  { path: '/', label: 'nav.dashboard', icon: <DashboardOutlined /> },
  {
    key: 'recordings',
    label: 'nav.recordingsGroup',
    icon: <VideoCameraOutlined />,
    children: [
      { path: '/recordings/upload', label: 'nav.recordingsUpload', icon: <CloudUploadOutlined />, permission: 'recordings:upload' },
      { path: '/recordings', label: 'nav.recordings', icon: <UnorderedListOutlined />, permission: 'recordings:read' },
      // 第十条: the custodian's daily receipt and the late-offload register.
      { path: '/offload/day', label: 'nav.offloadDay', icon: <SolutionOutlined />, permission: 'offload:read' },
      { path: '/offload/late', label: 'nav.offloadLate', icon: <FieldTimeOutlined />, permission: 'offload:read' },
    ],
  },
  {
    key: 'system',
    label: 'nav.system',
    icon: <ToolOutlined />,
    children: [
      { path: '/system/departments', label: 'nav.departments', icon: <ApartmentOutlined />, permission: 'departments:read' },
      { path: '/system/people', label: 'nav.people', icon: <IdcardOutlined />, permission: 'people:read' },
      { path: '/system/users', label: 'nav.users', icon: <TeamOutlined />, permission: 'users:read' },
      { path: '/system/settings', label: 'nav.settings', icon: <SettingOutlined />, permission: 'settings:read' },
      { path: '/system/jobs', label: 'nav.jobs', icon: <ScheduleOutlined />, permission: 'jobs:read' },
    ],
  },
  {
    key: 'audit',
    label: 'nav.auditGroup',
    icon: <AuditOutlined />,
    children: [{ path: '/audit/events', label: 'nav.audit', icon: <FileSearchOutlined />, permission: 'audit:read' }],
  },
];

export const isGroup = (n: NavLeaf | NavGroup): n is NavGroup => 'children' in n;
