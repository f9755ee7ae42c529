//! Writes the C# `[LibraryImport]` bindings for this crate's C ABI: the job csbindgen does, which
//! cannot be fetched here (and emits only `[DllImport]`).
//!
//! Input: `src/lib.rs` (`pub [unsafe] extern "C" fn cortex_*`, the `#[repr(i32)] pub enum Status`,
//! `pub const NAME: u32`) and the crate version from `Cargo.toml`.
//! Output: `src/CortexHybrid/Native/NativeMethods.g.cs`, rewritten only when its text changes.
//!
//! Environment:
//! - `CORTEX_BINDINGS=verify`: never write; warn when the checked-in file is stale. The .NET build
//!   sets it, so building never edits sources and the bindings test sees the committed file.
//! - `CORTEX_BINDINGS_OUT=PATH`: write there instead (the bindings test uses it).
//!
//! It reads `CARGO_MANIFEST_DIR` only, so it also runs as a plain program: `rustc build.rs`.

use std::env;
use std::fmt::Write as _;
use std::fs;
use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR is not set"));
    let lib_rs = crate_dir.join("src/lib.rs");
    let cargo_toml = crate_dir.join("Cargo.toml");
    println!("cargo:rerun-if-changed={}", lib_rs.display());
    println!("cargo:rerun-if-changed={}", cargo_toml.display());
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-env-changed=CORTEX_BINDINGS");
    println!("cargo:rerun-if-env-changed=CORTEX_BINDINGS_OUT");

    let source = fs::read_to_string(&lib_rs).expect("cannot read src/lib.rs");
    let manifest = fs::read_to_string(&cargo_toml).expect("cannot read Cargo.toml");
    let bindings = generate(&parse(&source), &package_version(&manifest));

    let default_out = crate_dir.join("../../src/CortexHybrid/Native/NativeMethods.g.cs");
    let out = env::var_os("CORTEX_BINDINGS_OUT").map(PathBuf::from).unwrap_or(default_out);
    let current = fs::read_to_string(&out).unwrap_or_default();
    if current == bindings {
        return;
    }
    if env::var("CORTEX_BINDINGS").as_deref() == Ok("verify") {
        println!(
            "cargo:warning={} is stale: run `cargo build` in the repository root and commit the file",
            out.display()
        );
    } else {
        fs::write(&out, bindings).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
    }
}

/// What the generator needs from `lib.rs`.
#[derive(Default)]
struct Abi {
    constants: Vec<Constant>,
    status: Vec<Variant>,
    status_doc: Vec<String>,
    functions: Vec<Function>,
}

struct Constant {
    doc: Vec<String>,
    name: String,
    value: String,
}

struct Variant {
    doc: Vec<String>,
    name: String,
    value: String,
}

struct Function {
    doc: Vec<String>,
    short: bool,
    name: String,
    parameters: Vec<(String, String)>,
    returns: Option<String>,
}

fn parse(source: &str) -> Abi {
    let mut abi = Abi::default();
    let mut doc: Vec<String> = Vec::new();
    let mut short = false;
    let mut lines = source.lines();
    while let Some(raw) = lines.next() {
        let line = raw.trim();
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.strip_prefix(' ').unwrap_or(text).to_string());
            continue;
        }
        if line == "// bindgen: short" {
            short = true;
            continue;
        }
        if line.starts_with("#[") {
            continue;
        }
        if line.starts_with("pub enum Status") {
            abi.status_doc = std::mem::take(&mut doc);
            abi.status = parse_variants(&mut lines);
        } else if let Some(rest) = line.strip_prefix("pub const ") {
            let (name, rest) = rest.split_once(':').expect("pub const without a type");
            let (ty, value) = rest.split_once('=').expect("pub const without a value");
            assert_eq!(ty.trim(), "u32", "only u32 constants are exported, not `{line}`");
            let value = value.trim().trim_end_matches(';').trim().to_string();
            abi.constants.push(Constant { doc: std::mem::take(&mut doc), name: name.trim().to_string(), value });
        } else if line.starts_with("pub extern \"C\" fn") || line.starts_with("pub unsafe extern \"C\" fn") {
            let mut signature = line.to_string();
            while !signature.contains('{') {
                let next = lines.next().expect("unterminated extern fn signature");
                signature.push(' ');
                signature.push_str(next.trim());
            }
            abi.functions.push(parse_function(&signature, std::mem::take(&mut doc), short));
        }
        doc.clear();
        short = false;
    }
    assert!(!abi.functions.is_empty(), "no extern \"C\" functions found in lib.rs");
    assert!(!abi.status.is_empty(), "no `pub enum Status` found in lib.rs");
    abi
}

fn parse_variants<'a>(lines: &mut impl Iterator<Item = &'a str>) -> Vec<Variant> {
    let mut variants = Vec::new();
    let mut doc = Vec::new();
    for raw in lines {
        let line = raw.trim();
        if line == "}" {
            return variants;
        }
        if let Some(text) = line.strip_prefix("///") {
            doc.push(text.trim().to_string());
        } else if let Some((name, value)) = line.trim_end_matches(',').split_once('=') {
            variants.push(Variant { doc: std::mem::take(&mut doc), name: name.trim().into(), value: value.trim().into() });
        }
    }
    panic!("unterminated enum Status");
}

fn parse_function(signature: &str, doc: Vec<String>, short: bool) -> Function {
    let after_fn = &signature[signature.find(" fn ").expect("no fn keyword") + 4..];
    let open = after_fn.find('(').expect("no parameter list");
    let close = after_fn.rfind(')').expect("no parameter list end");
    let name = after_fn[..open].trim().to_string();
    let parameters = after_fn[open + 1..close]
        .split(',')
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, ty) = p.split_once(':').unwrap_or_else(|| panic!("bad parameter `{p}` in {name}"));
            (name.trim().to_string(), csharp_type(ty.trim()))
        })
        .collect();
    let tail = after_fn[close + 1..].trim();
    let returns = tail.strip_prefix("->").map(|r| csharp_type(r.trim_end_matches('{').trim()));
    Function { doc, short, name, parameters, returns }
}

fn csharp_type(rust: &str) -> String {
    match rust {
        "*const f32" | "*mut f32" => "float*",
        "*const u8" => "byte*",
        "*const i8" => "sbyte*",
        "*const u16" => "ushort*",
        "*mut i32" => "int*",
        "*const i64" | "*mut i64" => "long*",
        "usize" => "nuint",
        "u32" => "uint",
        "i32" => "int",
        "f32" => "float",
        "Status" => "NativeStatus",
        other => panic!("no C# mapping for the Rust type `{other}`: add one to build.rs"),
    }
    .to_string()
}

fn package_version(manifest: &str) -> String {
    let mut in_package = false;
    for line in manifest.lines().map(str::trim) {
        if line.starts_with('[') {
            in_package = line == "[package]";
        } else if in_package {
            if let Some(value) = line.strip_prefix("version") {
                let value = value.trim_start().trim_start_matches('=').trim();
                return value.trim_matches('"').to_string();
            }
        }
    }
    panic!("no [package] version in Cargo.toml");
}

/// Rust doc text up to its first `#` section, as an XML doc summary.
fn summary(doc: &[String], indent: &str) -> String {
    let mut text: Vec<String> = Vec::new();
    for line in doc {
        if line.starts_with('#') {
            break;
        }
        text.push(xml_text(line));
    }
    while text.last().is_some_and(|l| l.is_empty()) {
        text.pop();
    }
    let mut out = format!("{indent}/// <summary>\n");
    for line in text {
        let _ = writeln!(out, "{indent}/// {line}");
    }
    let _ = writeln!(out, "{indent}/// </summary>");
    out.replace("/// \n", "///\n")
}

/// Escapes XML and turns `code` spans into `<c>code</c>`.
fn xml_text(line: &str) -> String {
    let escaped = line.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut out = String::new();
    for (i, part) in escaped.split('`').enumerate() {
        if i % 2 == 1 {
            let _ = write!(out, "<c>{part}</c>");
        } else {
            out.push_str(part);
        }
    }
    out
}

fn generate(abi: &Abi, version: &str) -> String {
    let mut cs = String::new();
    let _ = write!(
        cs,
        "// <auto-generated>
//     Generated by native/cortex_simd/build.rs from native/cortex_simd/src/lib.rs (cortex_simd {version}).
//     Do not edit: change the Rust source and run `cargo build`, which rewrites this file.
// </auto-generated>

using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace CortexHybrid.Native;

/// <summary>
/// The C ABI of the cortex_simd library. Imports marked short carry <c>[SuppressGCTransition]</c>
/// and have a <c>_gc_transition</c> twin without it, for inputs too long to hold off the GC.
/// </summary>
internal static unsafe partial class NativeMethods
{{
    /// <summary>The library name every import binds to; the resolver maps it to a file.</summary>
    internal const string LibraryName = \"cortex_simd\";

    /// <summary>The crate version these bindings were generated from.</summary>
    internal const string CrateVersion = \"{version}\";
"
    );
    for constant in &abi.constants {
        cs.push('\n');
        cs.push_str(&summary(&constant.doc, "    "));
        let _ = writeln!(cs, "    internal const uint {} = {};", constant.name, constant.value);
    }
    for function in &abi.functions {
        let parameters: Vec<String> = function.parameters.iter().map(|(n, t)| format!("{t} {n}")).collect();
        let parameters = parameters.join(", ");
        let returns = function.returns.as_deref().unwrap_or("void");
        cs.push('\n');
        cs.push_str(&summary(&function.doc, "    "));
        let _ = writeln!(cs, "    [LibraryImport(LibraryName)]");
        if function.short {
            let _ = writeln!(cs, "    [SuppressGCTransition]");
        }
        let _ = writeln!(cs, "    internal static partial {returns} {}({parameters});", function.name);
        // Every short call also gets a twin without the suppression: callers switch to it for long
        // inputs, so the GC is never held off for long, and benchmarks compare the two.
        if function.short {
            let _ = write!(
                cs,
                "
    /// <summary><c>{name}</c> with the GC transition: for calls too long to hold off the GC, and for comparison.</summary>
    [LibraryImport(LibraryName, EntryPoint = \"{name}\")]
    internal static partial {returns} {name}_gc_transition({parameters});
",
                name = function.name
            );
        }
    }
    cs.push_str("}\n\n");
    cs.push_str(&summary(&abi.status_doc, ""));
    cs.push_str("internal enum NativeStatus\n{\n");
    for (i, variant) in abi.status.iter().enumerate() {
        if i > 0 {
            cs.push('\n');
        }
        cs.push_str(&summary(&variant.doc, "    "));
        let _ = writeln!(cs, "    {} = {},", variant.name, variant.value);
    }
    cs.push_str("}\n");
    cs
}
