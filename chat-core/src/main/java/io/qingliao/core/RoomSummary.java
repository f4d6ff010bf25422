package io.qingliao.core;

/** One room as {@code GET /api/rooms} lists it: live member count and latest seq. */
public record RoomSummary(RoomName room, int members, long seq) {}
