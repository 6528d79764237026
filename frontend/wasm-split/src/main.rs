//! Cuts the console's browser bundle into lazily loaded parts, at the split points Leptos's
//! `#[lazy]` functions leave in it, for `scripts/build-site.sh`:
//!
//! ```text
//! cardkit-wasm-split <input.wasm> <output dir> <bundle name>
//! ```
//!
//! The input is the linker's output, kept with its relocations (`-Clink-args=--emit-relocs`). Into
//! the output folder go the main module `<name>.wasm` (for wasm-bindgen, with
//! `--keep-lld-exports`), a `split_*.wasm` per split point, `chunk_*.wasm` for code several of
//! them share, the JS that loads them, and `__wasm_split_manifest.json`: for each split point, the
//! files it needs. The server reads the manifest to name a page's files in its HTML, so the
//! browser fetches them beside the main bundle instead of after it.
//!
//! The published `wasm-split-cli` does the same split but writes no manifest, and names the
//! loader differently from what Leptos's `HydrationScripts` preloads.

use std::{path::Path, process::ExitCode};

/// The loader's file name as `HydrationScripts` expects it when Leptos does not hash file names
/// itself (the build hashes the folder the bundle is in instead).
const LOADER: &str = "./__wasm_split.______________________.js";
const MANIFEST: &str = "__wasm_split_manifest.json";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [input, output, name] = args.as_slice() else {
        eprintln!("usage: cardkit-wasm-split <input.wasm> <output dir> <bundle name>");
        return ExitCode::from(2);
    };
    match split(Path::new(input), Path::new(output), name) {
        Ok(files) => {
            println!("    {files} lazily loaded files beside {name}.wasm");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("wasm-split failed: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// Splits `input` into `output`; returns how many split files it wrote.
fn split(input: &Path, output: &Path, name: &str) -> Result<usize, Box<dyn std::error::Error>> {
    let input_wasm = std::fs::read(input)?;
    std::fs::create_dir_all(output)?;
    let main_out_path = output.join(format!("{name}.wasm"));
    // The loader imports the wasm-bindgen glue to instantiate each chunk against the main module.
    let main_module = format!("./{name}.js");
    let split = wasm_split_cli_support::transform({
        let mut options = wasm_split_cli_support::Options::new(&input_wasm);
        options.output_dir = output;
        options.main_out_path = &main_out_path;
        options.main_module = &main_module;
        options.link_name = LOADER;
        options
    })?;
    std::fs::write(
        output.join(MANIFEST),
        serde_json::to_string_pretty(&split.prefetch_map)?,
    )?;
    Ok(split.split_modules.len())
}
