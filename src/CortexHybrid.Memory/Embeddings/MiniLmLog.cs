using Microsoft.Extensions.Logging;

namespace CortexHybrid.Memory.Embeddings;

/// <summary>
/// What a <see cref="MiniLmEmbeddingGenerator"/> logs (event ids 4001–4099, stable): loading the
/// model, once per generator. Generating embeddings logs nothing.
/// </summary>
internal static partial class MiniLmLog
{
    [LoggerMessage(EventId = 4001, EventName = "ModelLoading", Level = LogLevel.Information,
        Message = "Loading the embedding model {ModelId} ({Encoders} encoders, model directory '{ModelDirectory}').")]
    public static partial void ModelLoading(ILogger logger, string modelId, int encoders, string? modelDirectory);

    [LoggerMessage(EventId = 4002, EventName = "ModelLoaded", Level = LogLevel.Information,
        Message = "Loaded the embedding model {ModelId} in {ElapsedMilliseconds} ms from {ModelSource}: {ModelSourceDescription}.")]
    public static partial void ModelLoaded(ILogger logger, string modelId, long elapsedMilliseconds, MiniLmModelSource modelSource, string modelSourceDescription);

    [LoggerMessage(EventId = 4003, EventName = "ModelExtracted", Level = LogLevel.Information,
        Message = "Extracted the embedding model to '{Path}' ({Bytes} bytes, SHA-256 {Sha256}, verified) in {ElapsedMilliseconds} ms.")]
    public static partial void ModelExtracted(ILogger logger, string path, long bytes, string sha256, long elapsedMilliseconds);

    [LoggerMessage(EventId = 4004, EventName = "ModelFileDamaged", Level = LogLevel.Warning,
        Message = "The cached embedding model '{Path}' has {ActualBytes} bytes instead of {ExpectedBytes}: extracting it again.")]
    public static partial void ModelFileDamaged(ILogger logger, string path, long actualBytes, long expectedBytes);

    [LoggerMessage(EventId = 4005, EventName = "ModelDirectoryUnusable", Level = LogLevel.Warning,
        Message = "The embedding model cannot be kept in '{ModelDirectory}': loading it from the package's embedded resource instead, which costs about 90 MB more until the next full garbage collection. Set a writable ModelDirectory to avoid this.")]
    public static partial void ModelDirectoryUnusable(ILogger logger, string? modelDirectory, Exception exception);

    [LoggerMessage(EventId = 4006, EventName = "ModelFileUnloadable", Level = LogLevel.Warning,
        Message = "The cached embedding model '{Path}' could not be loaded: extracting it again.")]
    public static partial void ModelFileUnloadable(ILogger logger, string path, Exception exception);

    [LoggerMessage(EventId = 4007, EventName = "ModelResourceHashed", Level = LogLevel.Information,
        Message = "The package's embedding model ({Bytes} bytes) is not the one this build knows: hashed it in {ElapsedMilliseconds} ms to name its file (SHA-256 {Sha256}).")]
    public static partial void ModelResourceHashed(ILogger logger, long bytes, long elapsedMilliseconds, string sha256);
}
