// CortexHybrid build. Run through ./build.sh, which restores Cake and passes arguments on:
//   ./build.sh --target=Serve           the memory server on http://127.0.0.1:7411/mcp
//   ./build.sh --target=Demo            the product's main job: cortex demo (the memory on the SDK's API docs)
//   ./build.sh --target=Test            every test (Rust and .NET)
//   ./build.sh                          Default: Test, then Pack
//
// Targets: Clean, Native, Build, Test, Pack, Bench, Serve, Demo, Default.
// Arguments:
//   --configuration=Release             (default Release)
//   --rids=linux-x64[,win-x64,...]      native runtimes to build and pack; each must be listed,
//                                       with its Rust target, in src/CortexHybrid/CortexHybrid.Native.targets
//   --bench-filter=PATTERN[,PATTERN]    Bench: BenchmarkDotNet --filter patterns (default *)
//   --bench-job=short|dry|medium|long   Bench: a BenchmarkDotNet job (default: BenchmarkDotNet's default)
//   --tests=all|unit                    Test: everything (default), or the Rust tests and the unit tests only
//                                       (what a forced kernel path changes; CI's second and third passes)
//
// StartProcess returns an exit code rather than throwing, so every process goes through Run(),
// which fails the target on a non-zero code.

var target = Argument("target", "Default");
var configuration = Argument("configuration", "Release");
var rids = Argument("rids", "linux-x64").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var benchFilter = Argument("bench-filter", "*");
var benchJob = Argument("bench-job", "");
var tests = Argument("tests", "all");
if (tests != "all" && tests != "unit")
{
    throw new CakeException($"--tests takes all or unit; '{tests}' is neither.");
}

var root = MakeAbsolute(Directory("."));
var artifacts = root.Combine("artifacts");
var solution = root.CombineWithFilePath("CortexHybrid.sln");
var library = root.CombineWithFilePath("src/CortexHybrid/CortexHybrid.csproj");
var serving = root.CombineWithFilePath("src/CortexHybrid.Serving/CortexHybrid.Serving.csproj");
var memory = root.CombineWithFilePath("src/CortexHybrid.Memory/CortexHybrid.Memory.csproj");
var cli = root.CombineWithFilePath("src/CortexHybrid.Cli/CortexHybrid.Cli.csproj");
var benchmarks = root.CombineWithFilePath("benchmarks/CortexHybrid.Benchmarks/CortexHybrid.Benchmarks.csproj");

// MSBuild reads a semicolon-separated list; %3B keeps the semicolons out of the command line's way.
var msbuildProperties = $"-p:Configuration={configuration} -p:CortexNativeRids={string.Join("%3B", rids)}";

string Cargo()
{
    var inCargoHome = System.IO.Path.Combine(EnvironmentVariable("HOME") ?? "", ".cargo", "bin", "cargo");
    return System.IO.File.Exists(inCargoHome) ? inCargoHome : "cargo";
}

void Run(string tool, string arguments)
{
    Information($"> {tool} {arguments}");
    var exitCode = StartProcess(tool, new ProcessSettings { Arguments = arguments, WorkingDirectory = root });
    if (exitCode != 0)
    {
        throw new CakeException($"{tool} {arguments} failed with exit code {exitCode}.");
    }
}

// The cache's level 3 tests run a real redis-server (started by the tests on a free loopback port).
// On a Debian machine without it, install it from Debian's packages; elsewhere say what is missing.
void EnsureRedisServer()
{
    bool onPath = (EnvironmentVariable("PATH") ?? "").Split(':').Append("/usr/sbin").Append("/usr/bin")
        .Any(directory => System.IO.File.Exists(System.IO.Path.Combine(directory, "redis-server")));
    if (onPath)
    {
        return;
    }

    if (!System.IO.File.Exists("/usr/bin/apt-get") || Environment.UserName != "root")
    {
        throw new CakeException("The tests need redis-server (the cache's level 3 runs against a real one): install it, e.g. `apt-get install -y redis-server`.");
    }

    Information("redis-server is missing: installing it from Debian's packages.");
    Run("apt-get", "update -qq");
    Run("apt-get", "install -y -qq --no-install-recommends redis-server");
}

// The PostgreSQL store's tests start throwaway clusters with initdb and pg_ctl, which Debian's
// postgresql package puts in /usr/lib/postgresql/<version>/bin (the tests look there, then on PATH);
// it also creates the postgres user the clusters run as when the tests run as root.
void EnsurePostgres()
{
    bool installed = System.IO.Directory.Exists("/usr/lib/postgresql")
        && System.IO.Directory.GetDirectories("/usr/lib/postgresql").Any(version => System.IO.File.Exists(System.IO.Path.Combine(version, "bin", "initdb")));
    if (installed || OnPath("initdb") is not null)
    {
        return;
    }

    if (!System.IO.File.Exists("/usr/bin/apt-get") || Environment.UserName != "root")
    {
        throw new CakeException("The tests need PostgreSQL's initdb and pg_ctl (the PostgreSQL store runs against a real server): install them, e.g. `apt-get install -y postgresql`.");
    }

    Information("initdb is missing: installing PostgreSQL from Debian's packages.");
    Run("apt-get", "update -qq");
    Run("apt-get", "install -y -qq --no-install-recommends postgresql");
}

// The TypeScript MCP client tests (tests/mcp-client, the official SDK) run under Node.js 20 or later;
// npm ci installs exactly what the committed lockfile names. Node and npm are not installed here.
var mcpClient = root.Combine("tests/mcp-client");

string OnPath(string name) =>
    (EnvironmentVariable("PATH") ?? "").Split(System.IO.Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
        .Select(directory => System.IO.Path.Combine(directory, name))
        .FirstOrDefault(System.IO.File.Exists);

void EnsureMcpClient()
{
    string node = OnPath("node");
    string npm = OnPath("npm");
    if (node is null || npm is null)
    {
        throw new CakeException($"The MCP client tests need Node.js 20 or later with npm ({(node is null ? "node" : "npm")} is not on PATH): install them, e.g. from https://nodejs.org or your distribution's nodejs and npm packages.");
    }

    StartProcess(node, new ProcessSettings { Arguments = "--version", RedirectStandardOutput = true }, out IEnumerable<string> version);
    string text = version.FirstOrDefault()?.Trim() ?? "";
    if (!int.TryParse(text.TrimStart('v').Split('.')[0], out int major) || major < 20)
    {
        throw new CakeException($"The MCP client tests need Node.js 20 or later; {node} is {(text == "" ? "of unknown version" : text)}.");
    }

    Run(npm, $"ci --prefix \"{mcpClient}\" --no-audit --no-fund");
}

Task("Clean")
    .Does(() =>
{
    Run(Cargo(), "clean");
    Run("dotnet", $"clean \"{solution}\" --configuration {configuration} --nologo --verbosity minimal");
    CleanDirectory(artifacts);
});

// The native library through the MSBuild target `dotnet build` uses, so the runtimes and their Rust
// targets are listed in one place (CortexHybrid.Native.targets).
Task("Native")
    .Does(() =>
{
    Run("dotnet", $"msbuild \"{library}\" -t:CortexBuildNative {msbuildProperties} -nologo -verbosity:minimal");
});

Task("Build")
    .IsDependentOn("Native")
    .Does(() =>
{
    Run("dotnet", $"build \"{solution}\" {msbuildProperties} --nologo");
});

// Rust's own tests (every kernel on every instruction set against an f64 reference), then the .NET
// suites: unit tests, and integration tests (the packed package consumed, the cortex command, the
// TypeScript MCP client against the server, its packages installed by npm ci first).
Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    EnsureRedisServer();
    EnsurePostgres();
    Run(Cargo(), "test --release --locked");
    if (tests == "unit")
    {
        Run("dotnet", $"test \"{root.CombineWithFilePath("tests/CortexHybrid.Tests/CortexHybrid.Tests.csproj")}\" --configuration {configuration} --no-build --nologo");
        return;
    }

    EnsureMcpClient();
    Run("dotnet", $"test \"{solution}\" --configuration {configuration} --no-build --nologo");
});

// artifacts/CortexHybrid.<version>.nupkg, CortexHybrid.Serving, CortexHybrid.Memory and the cortex tool
// package, each with its .snupkg. Packages are release artifacts: their PDBs map source paths to /_/
// (ContinuousIntegrationBuild), whoever packs them and wherever the clone is.
Task("Pack")
    .IsDependentOn("Build")
    .Does(() =>
{
    EnsureDirectoryExists(artifacts);
    foreach (var project in new[] { library, serving, memory, cli })
    {
        Run("dotnet", $"pack \"{project}\" {msbuildProperties} -p:ContinuousIntegrationBuild=true --output \"{artifacts}\" --nologo");
    }
});

// The BenchmarkDotNet suite; a markdown summary of every class's table goes to artifacts/bench/summary.md.
Task("Bench")
    .IsDependentOn("Build")
    .Does(() =>
{
    var output = artifacts.Combine("bench");
    CleanDirectory(output);
    var job = benchJob == "" ? "" : $" --job {benchJob}";
    var filters = string.Join(" ", benchFilter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(f => $"\"{f}\""));
    Run("dotnet", $"run --project \"{benchmarks}\" --configuration Release --no-build -- --filter {filters}{job} --artifacts \"{output}\"");

    var reports = GetFiles($"{output}/results/*-report-github.md").OrderBy(f => f.FullPath).ToList();
    if (reports.Count == 0)
    {
        throw new CakeException($"BenchmarkDotNet wrote no report under {output}/results (filter '{benchFilter}').");
    }

    var summary = new System.Text.StringBuilder()
        .AppendLine("# CortexHybrid benchmarks")
        .AppendLine()
        .AppendLine($"Filter `{benchFilter}`, job `{(benchJob == "" ? "default" : benchJob)}`. Ratio = time / baseline (TensorPrimitives) in the same run: below 1 is faster.")
        .AppendLine();
    foreach (var report in reports)
    {
        summary.AppendLine($"## {report.GetFilenameWithoutExtension().ToString().Replace("-report-github", "")}").AppendLine();
        summary.AppendLine(System.IO.File.ReadAllText(report.FullPath)).AppendLine();
    }

    var summaryFile = output.CombineWithFilePath("summary.md");
    System.IO.File.WriteAllText(summaryFile.FullPath, summary.ToString());
    Information($"Summary: {summaryFile}");
});

// The memory server over Streamable HTTP on loopback (Ctrl-C stops it): point an MCP client at
// http://127.0.0.1:7411/mcp. Desktop clients that start servers themselves run `cortex mcp` instead.
Task("Serve")
    .IsDependentOn("Build")
    .Does(() =>
{
    Run("dotnet", $"run --project \"{cli}\" --configuration {configuration} --no-build -- serve");
});

// The product's main job.
Task("Demo")
    .IsDependentOn("Build")
    .Does(() =>
{
    Run("dotnet", $"run --project \"{cli}\" --configuration {configuration} --no-build -- demo");
});

Task("Default")
    .IsDependentOn("Test")
    .IsDependentOn("Pack");

RunTarget(target);
