//! Uploads and notes built to make a server work hard: shared by the HTTP tests
//! (`tests/api/hostile.rs`) and the benchmark that measures the server under them
//! (`benches/hostile.rs`).

use std::io::{Read, Write};

/// A zip whose `entries` entries all point at one deflated blob of `blob_bytes` bytes: tiny to
/// send, `entries × blob_bytes` to unpack.
pub fn overlapping_zip(entries: usize, blob_bytes: usize) -> Vec<u8> {
    let blob = vec![b'a'; blob_bytes];
    let mut deflated = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
    deflated.write_all(&blob).unwrap();
    let deflated = deflated.finish().unwrap();
    let mut crc = flate2::Crc::new();
    crc.update(&blob);
    let fields = |out: &mut Vec<u8>| {
        out.extend_from_slice(&20u16.to_le_bytes()); // version needed
        out.extend_from_slice(&0u16.to_le_bytes()); // flags
        out.extend_from_slice(&8u16.to_le_bytes()); // deflate
        out.extend_from_slice(&0u32.to_le_bytes()); // time and date
        out.extend_from_slice(&crc.sum().to_le_bytes());
        out.extend_from_slice(&(deflated.len() as u32).to_le_bytes());
        out.extend_from_slice(&(blob_bytes as u32).to_le_bytes());
    };
    let first = b"n0.md";
    let mut zip = Vec::new();
    zip.extend_from_slice(&0x0403_4b50u32.to_le_bytes());
    fields(&mut zip);
    zip.extend_from_slice(&(first.len() as u16).to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    zip.extend_from_slice(first);
    zip.extend_from_slice(&deflated);
    let directory_at = zip.len();
    for i in 0..entries {
        let name = format!("n{i}.md");
        zip.extend_from_slice(&0x0201_4b50u32.to_le_bytes());
        zip.extend_from_slice(&20u16.to_le_bytes()); // made by
        fields(&mut zip);
        zip.extend_from_slice(&(name.len() as u16).to_le_bytes());
        zip.extend_from_slice(&[0; 12]); // extra, comment, disk, attributes
        zip.extend_from_slice(&0u32.to_le_bytes()); // every entry's data is the first one's
        zip.extend_from_slice(name.as_bytes());
    }
    let directory_len = zip.len() - directory_at;
    zip.extend_from_slice(&0x0605_4b50u32.to_le_bytes());
    zip.extend_from_slice(&[0; 4]);
    zip.extend_from_slice(&(entries as u16).to_le_bytes());
    zip.extend_from_slice(&(entries as u16).to_le_bytes());
    zip.extend_from_slice(&(directory_len as u32).to_le_bytes());
    zip.extend_from_slice(&(directory_at as u32).to_le_bytes());
    zip.extend_from_slice(&0u16.to_le_bytes());
    zip
}

/// A `.tar.gz` holding one entry of `bytes` zeros: a few kilobytes that unpack to `bytes`.
pub fn tarball_of_zeros(bytes: u64) -> Vec<u8> {
    let mut builder = tar::Builder::new(flate2::write::GzEncoder::new(
        Vec::new(),
        flate2::Compression::fast(),
    ));
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes);
    header.set_mode(0o644);
    header.set_cksum();
    builder
        .append_data(&mut header, "zeros.bin", std::io::repeat(0).take(bytes))
        .unwrap();
    builder.into_inner().unwrap().finish().unwrap()
}

/// A file of `lines` lines, different for each `seed`: two of them have nothing in common,
/// which is the worst case for a line diff.
pub fn long_file(seed: usize, lines: usize) -> String {
    (0..lines)
        .map(|i| format!("line {} of {seed}\n", i * (seed + 1)))
        .collect()
}
