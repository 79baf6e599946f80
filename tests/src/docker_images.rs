//! Test images for the Docker diagnostics: a busybox root filesystem tarred by hand (a minimal
//! ustar writer) and imported into the engine, since tests have no registry to pull from.

use firebreak::adapters::docker::DockerHost;
use tokio::sync::OnceCell;

/// The image every Docker test runs; imported once per test process.
pub const BUSYBOX_IMAGE: &str = "firebreak-test-busybox:1";
/// Debian's static busybox (package `busybox-static`).
const BUSYBOX: &str = "/bin/busybox";
/// The applets the tests call, as symlinks to busybox.
const APPLETS: [&str; 14] =
    ["sh", "sleep", "echo", "head", "tr", "dd", "tail", "cat", "true", "false", "ls", "yes", "env", "seq"];

static IMPORTED: OnceCell<()> = OnceCell::const_new();

/// Imports [`BUSYBOX_IMAGE`] into the engine behind `host` unless this process already did.
pub async fn ensure_busybox_image(host: &DockerHost) -> anyhow::Result<&'static str> {
    IMPORTED
        .get_or_try_init(|| async {
            let busybox = std::fs::read(BUSYBOX).map_err(|e| anyhow::anyhow!("{BUSYBOX}: {e} (install busybox-static)"))?;
            let (repository, tag) = BUSYBOX_IMAGE.split_once(':').unwrap_or((BUSYBOX_IMAGE, "latest"));
            host.import_rootfs(&busybox_rootfs(&busybox), repository, tag).await?;
            anyhow::Ok(())
        })
        .await?;
    Ok(BUSYBOX_IMAGE)
}

/// A root filesystem with `/bin/busybox`, applet symlinks and the usual empty directories.
pub fn busybox_rootfs(busybox: &[u8]) -> Vec<u8> {
    let mut tar = Ustar::default();
    for dir in ["bin/", "dev/", "etc/", "proc/", "sys/", "tmp/"] {
        tar.entry(dir, b'5', 0o755, b"", "");
    }
    tar.entry("bin/busybox", b'0', 0o755, busybox, "");
    for applet in APPLETS {
        tar.entry(&format!("bin/{applet}"), b'2', 0o777, b"", "busybox");
    }
    tar.finish()
}

/// Just enough of the POSIX ustar format for short names, files, directories and symlinks.
#[derive(Debug, Default)]
pub struct Ustar {
    bytes: Vec<u8>,
}

impl Ustar {
    /// Appends one entry; `kind` is the ustar type flag (`0` file, `2` symlink, `5` directory).
    pub fn entry(&mut self, name: &str, kind: u8, mode: u32, data: &[u8], link: &str) {
        let mut header = [0_u8; 512];
        let mut put = |offset: usize, value: &[u8]| header[offset..offset + value.len()].copy_from_slice(value);
        put(0, name.as_bytes());
        put(100, format!("{mode:07o}\0").as_bytes());
        put(108, b"0000000\0");
        put(116, b"0000000\0");
        put(124, format!("{:011o}\0", data.len()).as_bytes());
        put(136, b"00000000000\0");
        put(148, b"        ");
        put(156, &[kind]);
        put(157, link.as_bytes());
        put(257, b"ustar\0");
        put(263, b"00");
        let checksum: u32 = header.iter().map(|b| u32::from(*b)).sum();
        header[148..156].copy_from_slice(format!("{checksum:06o}\0 ").as_bytes());
        self.bytes.extend_from_slice(&header);
        self.bytes.extend_from_slice(data);
        self.bytes.resize(self.bytes.len().div_ceil(512) * 512, 0);
    }

    /// The archive, closed with two zero blocks.
    pub fn finish(mut self) -> Vec<u8> {
        self.bytes.resize(self.bytes.len() + 1024, 0);
        self.bytes
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_carry_a_valid_checksum_and_blocks_align() {
        let mut tar = Ustar::default();
        tar.entry("bin/x", b'0', 0o755, b"hello", "");
        let bytes = tar.finish();
        assert_eq!(bytes.len(), 512 * 2 + 1024);
        let mut header = bytes[..512].to_vec();
        let stored = u32::from_str_radix(std::str::from_utf8(&header[148..154]).unwrap_or("x"), 8).ok();
        header[148..156].copy_from_slice(b"        ");
        assert_eq!(stored, Some(header.iter().map(|b| u32::from(*b)).sum()));
        assert_eq!(&bytes[512..517], b"hello");
    }
}
