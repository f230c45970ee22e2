//! Archive reading: any upload, a `.zip` or a `.tar.gz` (the first byte picks which), is read or
//! refused, never a panic; what it gives is Markdown files at clean relative paths (no `..`, no
//! absolute path, no empty folder name), within the upload's limits of files and bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use server::documents::paths::clean_path;
use server::documents::sources::{UnpackLimits, Unpacked, is_markdown};
use std::io::Cursor;

/// Small limits, so that fuzzing reaches them.
const LIMITS: UnpackLimits = UnpackLimits {
    max_files: 16,
    max_bytes: 256 * 1024,
};

fuzz_target!(|data: &[u8]| {
    let Some((&kind, archive)) = data.split_first() else {
        return;
    };
    let mut unpacked = Unpacked::new(LIMITS);
    let within_limits = if kind % 2 == 0 {
        unpacked.add_zip("upload.zip", Cursor::new(archive))
    } else {
        unpacked.add_tar_gz("upload.tar.gz", archive)
    }
    .is_ok();
    if !within_limits {
        return;
    }
    assert!(
        unpacked.files.len() <= LIMITS.max_files,
        "more files than the limit"
    );
    let bytes: usize = unpacked.files.iter().map(|file| file.bytes.len()).sum();
    assert!(
        bytes as u64 <= LIMITS.max_bytes,
        "more bytes than the limit"
    );
    for file in &unpacked.files {
        assert!(is_markdown(&file.path), "{:?} is not Markdown", file.path);
        assert_eq!(
            clean_path(&file.path).as_deref(),
            Some(file.path.as_str()),
            "{:?} is not a clean path",
            file.path
        );
        assert!(
            !file.path.starts_with('/')
                && file
                    .path
                    .split('/')
                    .all(|part| !part.is_empty() && part != "." && part != ".."),
            "{:?} escapes the upload",
            file.path
        );
    }
});
