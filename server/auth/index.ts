export { auth, issueSession, sessions, signedInResident, SessionManager } from './session.js';
export { SESSION_COOKIE, SessionCodec } from './session-codec.js';
export { loadSecrets, type Secrets } from './secrets.js';
