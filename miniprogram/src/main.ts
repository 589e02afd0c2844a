import './styles.css';
import { translator } from '../../shared/i18n/index.js';
import { createApi } from './api.js';
import { resolveCommunity } from './community.js';
import { mountOpinionsPage } from './opinions-page.js';
import { readSettings } from './settings.js';

/** The mini-app's entry: read the address, pick the language, mount the first page. */
const settings = readSettings(location.search, navigator.language);
const t = translator(settings.language);
const api = createApi(settings.language);

document.documentElement.lang = settings.language;
document.title = t('app.title');

mountOpinionsPage({
  root: document.getElementById('root')!,
  ctx: { t, language: settings.language, now: () => new Date() },
  api,
  community: () => resolveCommunity(settings.community, api),
});
