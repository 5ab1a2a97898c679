"""Recordings (data.format audio): a class per recording, or a transcript (CTC)."""
