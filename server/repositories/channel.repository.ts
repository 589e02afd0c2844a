import { Types } from 'mongoose';
import type { ChannelKind } from '../../shared/schemas/channel.js';
import type { Models } from '../models/index.js';
import { isObjectId } from './object-id.js';

/** A registered channel as stored: identifiers in the clear, credentials sealed. */
export interface ChannelRecord {
  id: string;
  communityId: string;
  kind: ChannelKind;
  name: string;
  corpId: string | null;
  agentId: string | null;
  appKey: string | null;
  groupIds: string[];
  sealed: string;
  createdBy: string | null;
  createdAt: Date;
  updatedAt: Date;
}

export type NewChannel = Omit<ChannelRecord, 'createdAt' | 'updatedAt'>;

type LeanChannel = Omit<ChannelRecord, 'id' | 'groupIds'> & { _id: Types.ObjectId; groupIds?: string[] };

const toRecord = (d: LeanChannel): ChannelRecord => ({
  id: String(d._id),
  communityId: d.communityId,
  kind: d.kind,
  name: d.name,
  corpId: d.corpId ?? null,
  agentId: d.agentId ?? null,
  appKey: d.appKey ?? null,
  groupIds: d.groupIds ?? [],
  sealed: d.sealed,
  createdBy: d.createdBy ?? null,
  createdAt: d.createdAt,
  updatedAt: d.updatedAt,
});

/** Registered channels; records are created and deleted, never edited (a change is delete + create). */
export class ChannelRepository {
  constructor(private readonly models: Pick<Models, 'channel'>) {}

  /** The id is chosen before the insert because the sealed credentials are bound to it. */
  newId(): string {
    return new Types.ObjectId().toHexString();
  }

  async insert(channel: NewChannel): Promise<ChannelRecord> {
    const { id, groupIds, ...fields } = channel;
    const doc = await this.models.channel.create({
      _id: new Types.ObjectId(id),
      ...fields,
      groupIds: groupIds.length > 0 ? groupIds : undefined,
    });
    return toRecord(doc.toObject() as LeanChannel);
  }

  async listByCommunity(communityId: string): Promise<ChannelRecord[]> {
    const docs = await this.models.channel.find({ communityId }).sort({ _id: 1 }).lean<LeanChannel[]>();
    return docs.map(toRecord);
  }

  /** Every community's channels, oldest first: the order in which a group's robot is chosen. */
  async listAll(): Promise<ChannelRecord[]> {
    const docs = await this.models.channel.find().sort({ _id: 1 }).lean<LeanChannel[]>();
    return docs.map(toRecord);
  }

  /** Robots of `kind` already serving any of `groupIds`. */
  async findServing(kind: ChannelKind, groupIds: readonly string[]): Promise<ChannelRecord[]> {
    if (groupIds.length === 0) return [];
    const docs = await this.models.channel
      .find({ kind, groupIds: { $in: [...groupIds] } })
      .lean<LeanChannel[]>();
    return docs.map(toRecord);
  }

  /** Deletes a channel of the community; null when there is none with that id there. */
  async deleteInCommunity(id: string, communityId: string): Promise<ChannelRecord | null> {
    if (!isObjectId(id)) return null;
    const doc = await this.models.channel
      .findOneAndDelete({ _id: new Types.ObjectId(id), communityId })
      .lean<LeanChannel>();
    return doc ? toRecord(doc) : null;
  }
}
