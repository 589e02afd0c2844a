import type { Role, ScopeKind } from '../../shared/schemas/community.js';
import { AppError } from '../errors.js';

/** Errors about the community tree and its residents, translated from the `directory` section. */

export const residentNotFound = () =>
  new AppError(404, 'not_found', 'errors.notFound', { what: 'directory.what.resident' }, ['what']);

export const householdNotFound = () =>
  new AppError(404, 'not_found', 'errors.notFound', { what: 'directory.what.household' }, ['what']);

export const unknownScope = () => new AppError(400, 'unknown_scope', 'directory.errors.unknownScope');

export const roleScopeMismatch = (role: Role, scope: ScopeKind) =>
  new AppError(
    400,
    'role_scope_mismatch',
    'directory.errors.roleScopeMismatch',
    { role: `directory.roles.${role}`, scope: `directory.scopes.${scope}` },
    ['role', 'scope'],
  );

export const rolesChanged = () => new AppError(409, 'roles_changed', 'directory.errors.rolesChanged');

export const invalidPhone = () => new AppError(400, 'invalid_phone', 'directory.errors.invalidPhone');
