import type { Context } from 'koa';
import { AppError, unauthorized } from '../errors.js';
import type { Action } from './actions.js';
import { can, type Actor, type Target } from './policy.js';

/** 403 naming the action in the caller's language, e.g. "您没有权限：审批绑定申请". */
export const forbiddenAction = (action: Action) =>
  new AppError(403, 'forbidden', 'access.forbidden', { action: `access.actions.${action}` }, ['action']);

/** Throws a translated 403 unless the policy allows it; services call this first. */
export function assertCan(actor: Actor, action: Action, target: Target): void {
  if (!can(actor, action, target)) throw forbiddenAction(action);
}

/** The signed-in actor of a request that passed `auth()`; a 401 if there is none. */
export function actorOf(ctx: Context): Actor {
  if (!ctx.actor) throw unauthorized('session_missing', 'access.signInRequired');
  return ctx.actor;
}

/** For routes whose target is known without loading anything: checks the signed-in actor. */
export function authorize(ctx: Context, action: Action, target: Target): Actor {
  const actor = actorOf(ctx);
  assertCan(actor, action, target);
  return actor;
}
