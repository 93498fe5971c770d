import {
  ApartmentOutlined,
  AuditOutlined,
  CloudUploadOutlined,
  DashboardOutlined,
  DeleteOutlined,
  FieldTimeOutlined,
  FileSearchOutlined,
  SafetyCertificateOutlined,
  IdcardOutlined,
  ScheduleOutlined,
  SafetyOutlined,
  SettingOutlined,
  SolutionOutlined,
  TeamOutlined,
  ToolOutlined,
  UnorderedListOutlined,
  VideoCameraOutlined,
  AlertOutlined,
  AuditOutlined as ApproveOutlined,
  FormOutlined,
  InboxOutlined,
  CameraOutlined,
  ScanOutlined,
  CalendarOutlined,
  WarningOutlined,
  FolderOpenOutlined,
  FileAddOutlined,
  ProfileOutlined,
  SaveOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';
import type { Permission } from '../api/shapes.ts';
import type { DictKey } from '../i18n/i18n-context.tsx';
import { AccessCountBadge } from '../pages/access/access-tags.tsx';

export interface NavLeaf {
  path: string;
  label: DictKey;
  icon: ReactNode;
  /** Shown only when the user has this permission; none = every logged-in user. */
  permission?: Permission;
  /** Shown after the label (a count badge). */
  extra?: ReactNode;
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
    // 第二、十六条: cases, their stages, linked recordings and the recording checklist.
    key: 'cases',
    label: 'nav.cases',
    icon: <FolderOpenOutlined />,
    children: [
      { path: '/cases', label: 'nav.casesList', icon: <UnorderedListOutlined />, permission: 'cases:read' },
      { path: '/cases/new', label: 'nav.casesNew', icon: <FileAddOutlined />, permission: 'cases:write' },
      { path: '/cases/checklist', label: 'nav.checklist', icon: <ProfileOutlined />, permission: 'cases:read' },
    ],
  },
  {
    // 第十四条: viewing by approval; the badge counts requests to decide and break-glass to review.
    key: 'access',
    label: 'nav.accessGroup',
    icon: <ApproveOutlined />,
    children: [
      { path: '/access', label: 'nav.accessApprove', icon: <InboxOutlined />, permission: 'access:approve', extra: <AccessCountBadge /> },
      { path: '/access?box=mine', label: 'nav.accessMine', icon: <UnorderedListOutlined />, permission: 'access:request' },
      { path: '/access/new', label: 'nav.accessNew', icon: <FormOutlined />, permission: 'access:request' },
      { path: '/access/break-glass', label: 'nav.accessBreakGlass', icon: <AlertOutlined />, permission: 'access:request' },
    ],
  },
  {
    // 第十五至二十条: recording devices — register, morning checkout queue, maintenance, faults and repairs.
    key: 'devices',
    label: 'nav.devicesGroup',
    icon: <CameraOutlined />,
    children: [
      { path: '/devices', label: 'nav.devices', icon: <UnorderedListOutlined />, permission: 'devices:read' },
      { path: '/devices/checkout', label: 'nav.deviceCheckout', icon: <ScanOutlined />, permission: 'devices:checkout' },
      { path: '/devices/maintenance', label: 'nav.deviceMaintenance', icon: <CalendarOutlined />, permission: 'devices:read' },
      { path: '/devices/faults', label: 'nav.deviceFaults', icon: <WarningOutlined />, permission: 'devices:read' },
    ],
  },
  {
    // 第十二条: long-term preservation marks; disc / removable-media sets, the media register and its checks.
    key: 'preservation',
    label: 'nav.preservationGroup',
    icon: <SaveOutlined />,
    children: [
      { path: '/preservation', label: 'nav.preservationMarks', icon: <SafetyCertificateOutlined />, permission: 'recordings:read' },
      { path: '/preservation/media', label: 'nav.preservationMedia', icon: <FolderOpenOutlined />, permission: 'discs:read' },
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
      // 第十四条: who sees pictures and sound without a grant.
      { path: '/system/access-policy', label: 'nav.accessPolicy', icon: <SafetyOutlined />, permission: 'settings:read' },
      // 第十一、二十条: the retention table and approved disposal.
      { path: '/system/retention', label: 'nav.retentionTable', icon: <FieldTimeOutlined />, permission: 'retention:read' },
      { path: '/system/disposal', label: 'nav.disposal', icon: <DeleteOutlined />, permission: 'retention:read' },
      { path: '/system/jobs', label: 'nav.jobs', icon: <ScheduleOutlined />, permission: 'jobs:read' },
    ],
  },
  {
    key: 'audit',
    label: 'nav.auditGroup',
    icon: <AuditOutlined />,
    children: [
      { path: '/audit/events', label: 'nav.audit', icon: <FileSearchOutlined />, permission: 'audit:read' },
      { path: '/audit/seals', label: 'nav.seals', icon: <SafetyCertificateOutlined />, permission: 'audit:read' },
    ],
  },
];

export const isGroup = (n: NavLeaf | NavGroup): n is NavGroup => 'children' in n;
