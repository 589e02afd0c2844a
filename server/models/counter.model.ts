import { Schema, type Connection } from 'mongoose';

/** Named sequences for short human numbers (opinion Y1024, ticket R1024). */
export const counterSchema = new Schema({
  _id: { type: String, required: true },
  seq: { type: Number, default: 0 },
});

export const counterModel = (conn: Connection) => conn.model('Counter', counterSchema, 'counters');
