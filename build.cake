// CortexHybrid build. Run through ./build.sh, which restores Cake and passes arguments on:
//   ./build.sh --target=Test [--configuration=Release]
//
// Targets: Clean, Native, Build, Test, Default (= Test).
// StartProcess returns an exit code rather than throwing, so every process goes through Run(),
// which fails the target on a non-zero code.

var target = Argument("target", "Default");
var configuration = Argument("configuration", "Release");

var root = MakeAbsolute(Directory("."));
var solution = root.CombineWithFilePath("CortexHybrid.sln");
var library = root.CombineWithFilePath("src/CortexHybrid/CortexHybrid.csproj");

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

Task("Clean")
    .Does(() =>
{
    Run(Cargo(), "clean");
    Run("dotnet", $"clean \"{solution}\" --configuration {configuration} --nologo --verbosity minimal");
    CleanDirectory(root.Combine("artifacts"));
});

// The native library, through the same MSBuild target `dotnet build` uses, so the list of runtimes
// and their Rust targets lives in one place (src/CortexHybrid/CortexHybrid.Native.targets).
Task("Native")
    .Does(() =>
{
    Run("dotnet", $"msbuild \"{library}\" -t:CortexBuildNative -p:Configuration={configuration} -nologo -verbosity:minimal");
});

Task("Build")
    .IsDependentOn("Native")
    .Does(() =>
{
    Run("dotnet", $"build \"{solution}\" --configuration {configuration} --nologo");
});

// Rust's own tests (every kernel on every instruction set against an f64 reference), then the .NET suite.
Task("Test")
    .IsDependentOn("Build")
    .Does(() =>
{
    Run(Cargo(), "test --release --locked");
    Run("dotnet", $"test \"{solution}\" --configuration {configuration} --no-build --nologo");
});

Task("Default")
    .IsDependentOn("Test");

RunTarget(target);
