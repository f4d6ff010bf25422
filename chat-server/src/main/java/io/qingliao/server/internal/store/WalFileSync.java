package io.qingliao.server.internal.store;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * {@link WalSync} on the WAL file itself: {@code fdatasync} on a descriptor of our own. On Linux
 * (and POSIX) a file's sync covers every write to it, whichever descriptor made it, so this
 * flushes what SQLite's connection wrote. The file is opened on first use after the writer
 * connection opened it, and never created here.
 */
final class WalFileSync implements WalSync {
  private final Path walFile;
  private FileChannel channel; // writer thread only

  WalFileSync(Path walFile) {
    this.walFile = walFile;
  }

  @Override
  public void sync() throws IOException {
    if (channel == null) {
      // WRITE without CREATE: a missing WAL is an error, not something to make up.
      channel = FileChannel.open(walFile, StandardOpenOption.WRITE);
    }
    channel.force(false);
  }

  @Override
  public void release() {
    if (channel != null) {
      try {
        channel.close();
      } catch (IOException ignored) {
        // Only a descriptor used for syncing: nothing was written through it.
      }
      channel = null;
    }
  }
}
