package io.qingliao.server.internal.store;

import java.io.IOException;

/**
 * Makes what the writer connection committed durable. The writer commits with SQLite's {@code
 * synchronous=NORMAL}: the commit's WAL frames are then in the operating system's page cache,
 * safe against a crash of the process but not of the machine, and the room may see the
 * messages. {@link #sync} then flushes the WAL to the disk, after which the senders are acked:
 * an ack keeps what {@code synchronous=FULL} promised (the WAL fsync'ed), while the members no
 * longer wait for the disk.
 */
interface WalSync {
  /** Flushes everything committed so far to the disk; throws when the disk refused. */
  void sync() throws IOException;

  /** Forgets the file (the writer connection was dropped; the next sync opens the WAL anew). */
  void release();
}
