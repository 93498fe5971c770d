import type { DictKey } from '../../i18n/i18n-context.tsx';
import type { BodyOf, ResponseOf } from '../../api/shapes.ts';

/** Shapes of the devices API, from the generated contract. */
export type Device = ResponseOf<'/api/devices', 'get'>['items'][number];
export type DeviceList = ResponseOf<'/api/devices', 'get'>;
export type DeviceDetail = ResponseOf<'/api/devices/{id}', 'get'>;
export type DeviceType = Device['type'];
export type DeviceStatus = Device['status'];
export type DeviceBody = BodyOf<'/api/devices', 'post'>;
export type ImportResult = ResponseOf<'/api/devices/import', 'post'>;
export type OpenCheckout = ResponseOf<'/api/device-checkouts/open', 'get'>['items'][number];
export type ReturnDone = ResponseOf<'/api/device-returns', 'post'>;
export type Fault = ResponseOf<'/api/device-faults', 'get'>['items'][number];
export type Repair = ResponseOf<'/api/device-repairs', 'get'>['items'][number];
export type Repairer = ResponseOf<'/api/device-repairers', 'get'>['items'][number];
export type Finding = ResponseOf<'/api/devices/findings', 'get'>['items'][number];
export type Reminders = ResponseOf<'/api/devices/reminders', 'get'>;
export type Usage = ResponseOf<'/api/devices/{id}/usage', 'get'>;
export type DeviceNotes = ResponseOf<'/api/recordings/{id}/device-notes', 'get'>;

export const DEVICE_TYPES: DeviceType[] = ['body_camera', 'camera', 'video_camera', 'audio_recorder', 'other'];
export const DEVICE_STATUSES: DeviceStatus[] = ['available', 'in_use', 'in_repair', 'faulty', 'retired'];

export const typeKey = (t: DeviceType) => `dev.type.${t}` as DictKey;
export const statusKey = (s: DeviceStatus) => `dev.status.${s}` as DictKey;
export const STATUS_COLORS: Record<DeviceStatus, string> = { available: 'success', in_use: 'processing', in_repair: 'warning', faulty: 'error', retired: 'default' };
