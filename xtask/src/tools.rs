//! Installing the tools the build and the tests need, each only when it is missing or at another
//! version. Everything comes from crates.io, npm or Debian: nothing is downloaded from elsewhere.

use crate::{Result, workspace_root};
use std::ffi::OsString;
use std::path::PathBuf;
use std::process::Command;

/// trunk builds the client. 0.21.x is the last line that builds on our rustc (0.22 needs 1.96).
const TRUNK: &str = "0.21.14";
/// wasm-pack runs the browser tests (`--mode no-install`, so it never downloads anything).
const WASM_PACK: &str = "0.15.1";
/// binaryen's wasm-opt, from npm (package.json). Must equal Trunk.toml's `wasm_opt`.
const WASM_OPT: &str = "132";

/// schemathesis fuzzes the API against its OpenAPI description (from PyPI, in its own venv).
const SCHEMATHESIS: &str = "4.32.5";
/// cargo-fuzz builds and runs the parsers' libFuzzer targets (`fuzz/`).
const CARGO_FUZZ: &str = "0.13.2";

/// Installs whatever is missing; with `browser`, also what the browser tests need.
pub fn install(browser: bool) -> Result {
    wasm_target()?;
    cargo_tool("trunk", "trunk", TRUNK, true)?;
    // No --locked: wasm-bindgen-cli's own lock file names a webpki-roots release the registry no
    // longer serves; its declared version ranges resolve fine.
    cargo_tool(
        "wasm-bindgen",
        "wasm-bindgen-cli",
        &wasm_bindgen_version()?,
        false,
    )?;
    wasm_opt()?;
    if browser {
        cargo_tool("wasm-pack", "wasm-pack", WASM_PACK, true)?;
        debian_packages(&[
            ("chromium", "chromium"),
            ("chromedriver", "chromium-driver"),
            ("nginx", "nginx"),
        ])?;
    }
    Ok(())
}

/// schemathesis at its pinned version in a virtual environment of its own under `target/`
/// (Debian's Python refuses packages installed beside its own); returns the program.
pub fn schemathesis() -> Result<PathBuf> {
    let venv = workspace_root().join("target/tools/schemathesis");
    let program = venv.join("bin/schemathesis");
    if reports_version(program.to_str().unwrap_or_default(), SCHEMATHESIS) {
        return Ok(program);
    }
    run(
        "making a Python virtual environment for schemathesis",
        Command::new("python3")
            .arg("-m")
            .arg("venv")
            .arg("--clear")
            .arg(&venv),
    )?;
    run(
        &format!("installing schemathesis {SCHEMATHESIS} from PyPI"),
        Command::new(venv.join("bin/pip")).args([
            "install",
            "--quiet",
            "--disable-pip-version-check",
            &format!("schemathesis=={SCHEMATHESIS}"),
        ]),
    )?;
    if reports_version(program.to_str().unwrap_or_default(), SCHEMATHESIS) {
        Ok(program)
    } else {
        Err(format!(
            "installed schemathesis {SCHEMATHESIS}, but it reports another version"
        ))
    }
}

/// cargo-fuzz at its pinned version.
pub fn cargo_fuzz() -> Result {
    cargo_tool("cargo-fuzz", "cargo-fuzz", CARGO_FUZZ, true)
}

/// PATH with npm's local binaries (wasm-opt) and cargo's install folder in front, so the pinned
/// versions win over anything else installed (Debian's old wasm-opt in particular).
pub fn path_with_local_bins() -> OsString {
    let mut dirs = vec![workspace_root().join("node_modules/.bin"), cargo_bin()];
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    std::env::join_paths(dirs).unwrap_or_default()
}

fn cargo_bin() -> PathBuf {
    std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")))
        .unwrap_or_default()
        .join("bin")
}

fn wasm_target() -> Result {
    let installed = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        return Ok(());
    }
    run(
        "adding the wasm32 target",
        Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]),
    )
}

/// `cargo install CRATE@=VERSION` unless `BINARY --version` already reports VERSION.
fn cargo_tool(binary: &str, krate: &str, version: &str, locked: bool) -> Result {
    if reports_version(binary, version) {
        return Ok(());
    }
    let mut install = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    install.arg("install");
    if locked {
        install.arg("--locked");
    }
    install.arg(format!("{krate}@={version}"));
    run(
        &format!("installing {krate} {version} (once; takes minutes)"),
        &mut install,
    )?;
    if reports_version(binary, version) {
        Ok(())
    } else {
        Err(format!(
            "installed {krate} {version}, but `{binary} --version` on PATH reports another version"
        ))
    }
}

fn reports_version(binary: &str, version: &str) -> bool {
    Command::new(binary)
        .arg("--version")
        .env("PATH", path_with_local_bins())
        .output()
        .is_ok_and(|out| {
            String::from_utf8_lossy(&out.stdout)
                .split_whitespace()
                .any(|word| word == version)
        })
}

/// The wasm-bindgen version in Cargo.lock; the CLI must match it exactly, and so must Trunk.toml.
fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(workspace_root().join("Cargo.lock"))
        .map_err(|e| format!("cannot read Cargo.lock: {e}"))?;
    let version = locked_version(&lock, "wasm-bindgen")
        .ok_or("Cargo.lock has no wasm-bindgen package; run `cargo fetch`")?;
    let trunk = std::fs::read_to_string(workspace_root().join("Trunk.toml"))
        .map_err(|e| format!("cannot read Trunk.toml: {e}"))?;
    let pinned = format!("wasm_bindgen = \"{version}\"");
    if !trunk.lines().any(|l| l.trim() == pinned) {
        return Err(format!(
            "Trunk.toml's [tools] wasm_bindgen must be \"{version}\", the version in Cargo.lock"
        ));
    }
    Ok(version)
}

/// The version of package `name` in a Cargo.lock's text.
fn locked_version(lock: &str, name: &str) -> Option<String> {
    let wanted = format!("name = \"{name}\"");
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line.trim() == wanted {
            let next = lines.next()?.trim();
            return next
                .strip_prefix("version = \"")
                .and_then(|v| v.strip_suffix('"'))
                .map(str::to_owned);
        }
    }
    None
}

/// binaryen's wasm-opt through `npm ci` (package-lock.json pins it).
fn wasm_opt() -> Result {
    if reports_version("wasm-opt", WASM_OPT) {
        return Ok(());
    }
    if !on_path("npm") {
        debian_packages(&[("npm", "npm")])?;
    }
    run(
        &format!("installing binaryen {WASM_OPT} (wasm-opt) from npm"),
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund"])
            .current_dir(workspace_root()),
    )?;
    if reports_version("wasm-opt", WASM_OPT) {
        Ok(())
    } else {
        Err(format!(
            "npm installed binaryen, but wasm-opt does not report version {WASM_OPT}"
        ))
    }
}

/// Whether xtask runs as root (and may install packages and make network namespaces itself).
pub fn is_root() -> bool {
    output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0")
}

/// Installs Debian packages for each `(binary, package)` whose binary is not on PATH.
pub fn debian_packages(wanted: &[(&str, &str)]) -> Result {
    let missing: Vec<&str> = wanted
        .iter()
        .filter(|(binary, _)| !on_path(binary))
        .map(|(_, package)| *package)
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let as_root = is_root();
    let apt = |args: &[&str]| {
        let mut command = if as_root {
            Command::new("apt-get")
        } else {
            Command::new("sudo")
        };
        if !as_root {
            command.arg("apt-get");
        }
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive");
        command
    };
    run(
        "updating Debian's package lists",
        &mut apt(&["update", "-qq"]),
    )?;
    let mut install = apt(&["install", "-y", "-qq"]);
    install.args(&missing);
    run(
        &format!("installing {} from Debian", missing.join(", ")),
        &mut install,
    )
}

fn run(what: &str, command: &mut Command) -> Result {
    println!("xtask: {what}");
    let status = command
        .env("PATH", path_with_local_bins())
        .status()
        .map_err(|e| format!("{what}: cannot start {:?}: {e}", command.get_program()))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{what} failed ({status})"))
    }
}

/// Whether `binary` can be started at all (whatever it answers to `--version`: wrk, for one,
/// exits with an error after printing it).
fn on_path(binary: &str) -> bool {
    Command::new(binary)
        .arg("--version")
        .env("PATH", path_with_local_bins())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

/// A command's stdout, if it ran and succeeded.
fn output(program: &str, args: &[&str]) -> Option<String> {
    let out = Command::new(program)
        .args(args)
        .env("PATH", path_with_local_bins())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

#[cfg(test)]
mod tests {
    use super::locked_version;

    #[test]
    fn the_locked_version_is_read_from_the_package_entry_of_that_exact_name() {
        let lock = r#"
[[package]]
name = "wasm-bindgen-futures"
version = "0.4.50"

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
"#;
        assert_eq!(
            locked_version(lock, "wasm-bindgen").as_deref(),
            Some("0.2.130")
        );
        assert_eq!(locked_version(lock, "trunk"), None);
    }
}
