"""Batch files between the station and the county (签名加密批次文件). No Qt here."""
