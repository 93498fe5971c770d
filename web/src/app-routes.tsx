import { lazy, type ReactNode } from 'react';
import { Navigate, Route, Routes, useLocation } from 'react-router-dom';
import type { Permission } from './api/shapes.ts';
import { AppLayout } from './components/app-layout.tsx';
import { FullPageSpin } from './components/full-page-spin.tsx';
import { ForbiddenPage, NotFoundPage } from './pages/status-pages.tsx';
import { LoginPage } from './pages/login-page.tsx';
import { useSession } from './session/session-context.tsx';

// Screens load on first visit, so the login page does not wait for every table and form.
const DashboardPage = lazy(() => import('./pages/dashboard-page.tsx'));
const DepartmentsPage = lazy(() => import('./pages/departments/departments-page.tsx'));
const PeoplePage = lazy(() => import('./pages/people/people-page.tsx'));
const UsersPage = lazy(() => import('./pages/users/users-page.tsx'));
const SettingsPage = lazy(() => import('./pages/system/settings-page.tsx'));
const JobsPage = lazy(() => import('./pages/system/jobs-page.tsx'));
const AuditPage = lazy(() => import('./pages/audit/audit-page.tsx'));
const SealsPage = lazy(() => import('./pages/audit/seals-page.tsx'));
const UploadPage = lazy(() => import('./pages/recordings/upload-page.tsx'));
const RecordingsPage = lazy(() => import('./pages/recordings/recordings-page.tsx'));
const RecordingDetailPage = lazy(() => import('./pages/recordings/recording-detail-page.tsx'));
const PlayerPage = lazy(() => import('./pages/recordings/player-page.tsx'));
const CustodyPage = lazy(() => import('./pages/recordings/custody-page.tsx'));
const OffloadDayPage = lazy(() => import('./pages/offload/offload-day-page.tsx'));
const OffloadLatePage = lazy(() => import('./pages/offload/offload-late-page.tsx'));
const AccessListPage = lazy(() => import('./pages/access/access-list-page.tsx'));
const AccessDetailPage = lazy(() => import('./pages/access/access-detail-page.tsx'));
const AccessNewPage = lazy(() => import('./pages/access/access-new-page.tsx'));
const CaseFilePage = lazy(() => import('./pages/case-files/case-file-page.tsx'));
const DeviceListPage = lazy(() => import('./pages/devices/device-list-page.tsx'));
const DeviceDetailPage = lazy(() => import('./pages/devices/device-detail-page.tsx'));
const DeviceCheckoutPage = lazy(() => import('./pages/devices/device-checkout-page.tsx'));
const DeviceMaintenancePage = lazy(() => import('./pages/devices/device-maintenance-page.tsx'));
const DeviceFaultsPage = lazy(() => import('./pages/devices/device-faults-page.tsx'));
const AccessPolicyPage = lazy(() => import('./pages/access/access-policy-page.tsx'));
const CasesListPage = lazy(() => import('./pages/cases/cases-list-page.tsx'));
const CaseNewPage = lazy(() => import('./pages/cases/case-new-page.tsx'));
const ChecklistPage = lazy(() => import('./pages/cases/checklist-page.tsx'));
const CaseDetailPage = lazy(() => import('./pages/cases/case-detail-page.tsx'));
const MarksPage = lazy(() => import('./pages/preservation/marks-page.tsx'));
const MediaPage = lazy(() => import('./pages/preservation/media-page.tsx'));
const RetentionTablePage = lazy(() => import('./pages/retention/retention-table-page.tsx'));
const DisposalPage = lazy(() => import('./pages/retention/disposal-page.tsx'));
const BreakGlassPage = lazy(() => import('./pages/access/access-new-page.tsx').then((m) => ({ default: m.BreakGlassPage })));

/** Logged-out visitors go to the login page, which brings them back here afterwards. */
function RequireLogin({ children }: { children: ReactNode }) {
  const { me, loggedOutByUser } = useSession();
  const location = useLocation();
  if (me === undefined) return <FullPageSpin />;
  if (me === null) return <Navigate to="/login" replace state={loggedOutByUser ? undefined : { from: location.pathname + location.search }} />;
  return children;
}

/** The menu hides what a role may not use; a typed-in URL gets a clear refusal, not a broken page. */
function Allow({ permission, children }: { permission: Permission; children: ReactNode }) {
  const { can } = useSession();
  return can(permission) ? children : <ForbiddenPage />;
}

export function AppRoutes() {
  return (
    <Routes>
      <Route path="/login" element={<LoginPage />} />
      <Route
        element={
          <RequireLogin>
            <AppLayout />
          </RequireLogin>
        }
      >
        <Route index element={<DashboardPage />} />
        <Route path="recordings/upload" element={<Allow permission="recordings:upload"><UploadPage /></Allow>} />
        <Route path="recordings" element={<Allow permission="recordings:read"><RecordingsPage /></Allow>} />
        <Route path="recordings/:id" element={<Allow permission="recordings:read"><RecordingDetailPage /></Allow>} />
        <Route path="recordings/:id/play" element={<Allow permission="recordings:read"><PlayerPage /></Allow>} />
        <Route path="recordings/:id/custody" element={<Allow permission="custody:read"><CustodyPage /></Allow>} />
        <Route path="offload/day" element={<Allow permission="offload:read"><OffloadDayPage /></Allow>} />
        <Route path="offload/late" element={<Allow permission="offload:read"><OffloadLatePage /></Allow>} />
        <Route path="system/departments" element={<Allow permission="departments:read"><DepartmentsPage /></Allow>} />
        <Route path="system/people" element={<Allow permission="people:read"><PeoplePage /></Allow>} />
        <Route path="system/users" element={<Allow permission="users:read"><UsersPage /></Allow>} />
        <Route path="system/retention" element={<Allow permission="retention:read"><RetentionTablePage /></Allow>} />
        <Route path="system/disposal" element={<Allow permission="retention:read"><DisposalPage /></Allow>} />
        <Route path="system/settings" element={<Allow permission="settings:read"><SettingsPage /></Allow>} />
        <Route path="system/access-policy" element={<Allow permission="settings:read"><AccessPolicyPage /></Allow>} />
        <Route path="system/jobs" element={<Allow permission="jobs:read"><JobsPage /></Allow>} />
        <Route path="access" element={<Allow permission="access:request"><AccessListPage /></Allow>} />
        <Route path="access/new" element={<Allow permission="access:request"><AccessNewPage /></Allow>} />
        <Route path="access/break-glass" element={<Allow permission="access:request"><BreakGlassPage /></Allow>} />
        <Route path="access/:id" element={<Allow permission="access:request"><AccessDetailPage /></Allow>} />
        <Route path="cases/:id/case-file" element={<Allow permission="cases:read"><CaseFilePage /></Allow>} />
        <Route path="devices" element={<Allow permission="devices:read"><DeviceListPage /></Allow>} />
        <Route path="devices/checkout" element={<Allow permission="devices:checkout"><DeviceCheckoutPage /></Allow>} />
        <Route path="devices/maintenance" element={<Allow permission="devices:read"><DeviceMaintenancePage /></Allow>} />
        <Route path="devices/faults" element={<Allow permission="devices:read"><DeviceFaultsPage /></Allow>} />
        <Route path="devices/:id" element={<Allow permission="devices:read"><DeviceDetailPage /></Allow>} />
        <Route path="cases" element={<Allow permission="cases:read"><CasesListPage /></Allow>} />
        <Route path="cases/new" element={<Allow permission="cases:write"><CaseNewPage /></Allow>} />
        <Route path="cases/checklist" element={<Allow permission="cases:read"><ChecklistPage /></Allow>} />
        <Route path="cases/:id" element={<Allow permission="cases:read"><CaseDetailPage /></Allow>} />
        <Route path="preservation" element={<Allow permission="recordings:read"><MarksPage /></Allow>} />
        <Route path="preservation/media" element={<Allow permission="discs:read"><MediaPage /></Allow>} />
        <Route path="audit/events" element={<Allow permission="audit:read"><AuditPage /></Allow>} />
        <Route path="audit/seals" element={<Allow permission="audit:read"><SealsPage /></Allow>} />
        <Route path="*" element={<NotFoundPage />} />
      </Route>
    </Routes>
  );
}
