namespace CortexHybrid.Simd;

/// <summary>How fast one kernel ran an operation against another, measured in the same run.</summary>
/// <param name="Operation">The operation measured.</param>
/// <param name="Dimension">The vector length.</param>
/// <param name="Baseline">The baseline kernel's description.</param>
/// <param name="Candidate">The candidate kernel's description.</param>
/// <param name="BaselineNanoseconds">The baseline's median time per operation.</param>
/// <param name="CandidateNanoseconds">The candidate's median time per operation.</param>
public sealed record SimdSpeedup(
    SimilarityOperation Operation,
    int Dimension,
    string Baseline,
    string Candidate,
    double BaselineNanoseconds,
    double CandidateNanoseconds)
{
    /// <summary>Baseline time over candidate time: above 1 when the candidate is faster.</summary>
    public double Speedup => BaselineNanoseconds / CandidateNanoseconds;
}
