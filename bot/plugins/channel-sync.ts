import type { BotPlugin } from '../runtime/bot.js';
import type { ChannelDirectory } from '../runtime/channel-directory.js';

/** Keeps the registered channels current while the bot runs: loaded before delivery starts, polled after. */
export function ChannelSync(directory: ChannelDirectory): BotPlugin {
  return function channelSync(bot) {
    bot.onStart(() => directory.start());
    return () => directory.stop();
  };
}
