namespace CortexHybrid.Memory;

/// <summary>The in-memory vector index of a <see cref="SemanticMemory"/>.</summary>
/// <param name="Rows">Vectors in it (one per memory).</param>
/// <param name="MemoryBytes">Bytes it holds (rows in every form it keeps, ids, norms).</param>
/// <param name="Kernel">The similarity kernel it searches with.</param>
/// <param name="Storage">The form of the rows it scans: <c>Float32</c>, <c>BFloat16</c> or <c>Int8</c> (see <see cref="SemanticMemoryOptions.IndexStorage"/>).</param>
/// <param name="Oversample">Candidates rescored per hit (1 for float32).</param>
/// <param name="ExactScores">Whether recall scores are exact float32 similarities; false when quantized rows are kept without their float32 originals.</param>
/// <param name="SignPrefilter">The sign-bit prefilter's factor: a recall searches only the <c>k x SignPrefilter</c> memories whose signs agree most with the query's; 0 when every memory is scored (see <see cref="SemanticMemoryOptions.IndexSignPrefilter"/>).</param>
public sealed record IndexStatus(long Rows, long MemoryBytes, string Kernel, string Storage, int Oversample, bool ExactScores, int SignPrefilter);
