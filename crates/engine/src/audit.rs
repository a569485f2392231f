//! The audit log: one JSON line per logical operation (all its attempts),
//! appended to a file. Each record is written with a single `write` on a
//! file opened for appending, so records from concurrent requests, and from
//! the several provider processes Terraform starts, never interleave, and a
//! crash never truncates what was written.

use parking_lot::Mutex;
use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::{Map, Value as Json};

use super::redact::Redactor;

/// An append-only JSON-lines file.
#[derive(Debug)]
pub struct AuditLog {
    path: PathBuf,
    file: Mutex<std::fs::File>,
    redactor: Redactor,
}

impl AuditLog {
    /// Opens (or creates) the file for appending.
    pub fn open(path: &Path, redactor: Redactor) -> std::io::Result<AuditLog> {
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(path)?;
        Ok(AuditLog {
            path: path.to_owned(),
            file: Mutex::new(file),
            redactor,
        })
    }

    /// Appends one record. Every string in it passes through the redactor.
    /// A failed write is logged, never fatal: auditing must not break applies.
    pub fn write(&self, mut record: Map<String, Json>) {
        record.insert(
            "time".into(),
            Json::String(
                humantime::format_rfc3339_micros(std::time::SystemTime::now()).to_string(),
            ),
        );
        let mut record = Json::Object(record);
        self.redactor.scrub_json(&mut record);
        let mut line = record.to_string();
        line.push('\n');
        let result = self.file.lock().write_all(line.as_bytes());
        if let Err(e) = result {
            tracing::error!(path = %self.path.display(), error = %e, "cannot write the audit log");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_appended_whole_and_scrubbed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("audit.jsonl");
        std::fs::write(&path, "{\"earlier\":true}\n").unwrap();
        let log =
            std::sync::Arc::new(AuditLog::open(&path, Redactor::new(["tok3n-secret"])).unwrap());
        let threads: Vec<_> = (0..8)
            .map(|i| {
                let log = log.clone();
                std::thread::spawn(move || {
                    for j in 0..50 {
                        let mut r = Map::new();
                        r.insert("n".into(), Json::from(i * 100 + j));
                        r.insert("error".into(), Json::from("401: bad token tok3n-secret"));
                        log.write(r);
                    }
                })
            })
            .collect();
        threads.into_iter().for_each(|t| t.join().unwrap());
        let text = std::fs::read_to_string(&path).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines.len(),
            401,
            "the earlier record is kept and every record is one line"
        );
        for l in &lines[1..] {
            let j: Json = serde_json::from_str(l).expect("each line is JSON");
            assert_eq!(j["error"], "401: bad token ***");
            assert!(j["time"].is_string());
        }
        assert!(!text.contains("tok3n-secret"));
    }
}
