//! SHA-256 of files: the manifest's hashes, and the check that a register file read during
//! the run is the file ingest saw.
use std::path::Path;

use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

pub fn sha256_file(path: &Path) -> Result<String> {
    let mut file = std::fs::File::open(path).map_err(Error::io(path))?;
    let mut hasher = Sha256::new();
    std::io::copy(&mut file, &mut hasher).map_err(Error::io(path))?;
    Ok(format!("{:x}", hasher.finalize()))
}
