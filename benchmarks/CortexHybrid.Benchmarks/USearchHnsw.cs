using System.Runtime.InteropServices;
using Cloud.Unum.USearch;

namespace CortexHybrid.Benchmarks;

/// <summary>
/// A USearch HNSW index (Cloud.Unum.USearch 2.26.6) driven through its C API, libusearch_c, the
/// native library the package ships under runtimes/&lt;rid&gt;/native. The package's managed
/// <see cref="USearchIndex"/> adds one vector at a time from one thread and does not expose the
/// memory usage; the C API has both (<c>usearch_change_threads_add</c>: concurrent
/// <c>usearch_add</c> calls after a reserve, the documented way to build on several threads).
/// Keys are the row numbers; the metric is cosine; connectivity and expansions are USearch's
/// defaults (0 asks for them; the values in effect are read back).
/// </summary>
public sealed unsafe partial class USearchHnsw : IDisposable
{
    private const string Library = "libusearch_c";

    private nint _index;

    private USearchHnsw(nint index, ScalarKind quantization, int dimension)
    {
        _index = index;
        Quantization = quantization;
        Dimension = dimension;
    }

    public ScalarKind Quantization { get; }

    public int Dimension { get; }

    public long Count => (long)Call(e => usearch_size(_index, e));

    public long Capacity => (long)Call(e => usearch_capacity(_index, e));

    public int Connectivity => (int)Call(e => usearch_connectivity(_index, e));

    public int ExpansionAdd => (int)Call(e => usearch_expansion_add(_index, e));

    public int ExpansionSearch => (int)Call(e => usearch_expansion_search(_index, e));

    /// <summary>What USearch reports it holds (<c>usearch_memory_usage</c>: vectors, graph, tapes).</summary>
    public long MemoryUsage => (long)Call(e => usearch_memory_usage(_index, e));

    /// <summary>The bytes <c>usearch_save</c> would write.</summary>
    public long SerializedLength => (long)Call(e => usearch_serialized_length(_index, e));

    /// <summary>The SIMD back end USearch picked for this index's metric (e.g. "sapphire", "skylake").</summary>
    public string HardwareAcceleration => Marshal.PtrToStringUTF8(Call(e => usearch_hardware_acceleration(_index, e))) ?? "?";

    /// <summary>The native library's version, through the package's managed wrapper (which loads the same library).</summary>
    public static string Version() => USearchCapabilities.Version();

    public static USearchHnsw Create(int dimension, ScalarKind quantization)
    {
        var options = new InitOptions
        {
            MetricKind = (uint)MetricKind.Cos,
            Metric = 0,
            Quantization = (uint)quantization,
            Dimensions = (nuint)dimension,
            Connectivity = 0,
            ExpansionAdd = 0,
            ExpansionSearch = 0,
            Multi = 0,
        };
        nint error = 0;
        nint index = usearch_init(&options, &error);
        if (error != 0 || index == 0)
        {
            string message = error != 0 ? Marshal.PtrToStringUTF8(error) ?? "?" : "no index";
            if (index != 0)
            {
                nint ignored = 0;
                usearch_free(index, &ignored);
            }

            throw new InvalidOperationException("usearch_init failed: " + message);
        }

        return new USearchHnsw(index, quantization, dimension);
    }

    /// <summary>Reserves room for <paramref name="rows"/> rows and lets <paramref name="threads"/> threads add and search at once.</summary>
    public void Reserve(int rows, int threads)
    {
        // Capacity first: changing the thread limits keeps the reserved capacity, not the reverse.
        nint error = 0;
        usearch_reserve(_index, (nuint)rows, &error);
        Check(0, error);
        usearch_change_threads_add(_index, (nuint)threads, &error);
        Check(0, error);
        usearch_change_threads_search(_index, (nuint)threads, &error);
        Check(0, error);
    }

    /// <summary>Adds row <c>i</c> of <paramref name="rowMajor"/> under key <c>i</c>, on <paramref name="threads"/> threads (after <see cref="Reserve"/> for as many).</summary>
    public void AddAll(float[] rowMajor, int threads)
    {
        int dimension = Dimension;
        int rows = rowMajor.Length / dimension;
        nint index = _index;
        string? failure = null;
        fixed (float* values = rowMajor)
        {
            nint basePointer = (nint)values;
            Parallel.For(
                0,
                rows,
                new ParallelOptions { MaxDegreeOfParallelism = threads },
                (row, state) =>
                {
                    nint error = 0;
                    usearch_add(index, (ulong)row, (void*)(basePointer + ((nint)row * dimension * sizeof(float))), (uint)ScalarKind.Float32, &error);
                    if (error != 0)
                    {
                        failure ??= Marshal.PtrToStringUTF8(error);
                        state.Stop();
                    }
                });
        }

        if (failure is not null)
        {
            throw new InvalidOperationException("usearch_add failed: " + failure);
        }
    }

    /// <summary>The <paramref name="keys"/>.Length nearest rows to <paramref name="query"/> by cosine; returns how many were found.</summary>
    public int Search(ReadOnlySpan<float> query, Span<ulong> keys, Span<float> distances)
    {
        nuint found;
        nint error = 0;
        fixed (float* q = query)
        fixed (ulong* k = keys)
        fixed (float* d = distances)
        {
            found = usearch_search(_index, q, (uint)ScalarKind.Float32, (nuint)keys.Length, k, d, &error);
        }

        return (int)Check(found, error);
    }

    public void Dispose()
    {
        if (_index != 0)
        {
            nint error = 0;
            usearch_free(_index, &error);
            _index = 0;
        }
    }

    private delegate T NativeCall<T>(nint* error);

    private static T Call<T>(NativeCall<T> call)
    {
        nint error = 0;
        T value = call(&error);
        return Check(value, error);
    }

    private static T Check<T>(T value, nint error)
    {
        if (error != 0)
        {
            throw new InvalidOperationException("USearch: " + Marshal.PtrToStringUTF8(error));
        }

        return value;
    }

    /// <summary><c>usearch_init_options_t</c> of usearch.h 2.26 (the fields of the package's <see cref="IndexOptions"/>), blittable.</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct InitOptions
    {
        public uint MetricKind;
        public nint Metric;
        public uint Quantization;
        public nuint Dimensions;
        public nuint Connectivity;
        public nuint ExpansionAdd;
        public nuint ExpansionSearch;
        public byte Multi;
    }

    [LibraryImport(Library)]
    private static partial nint usearch_init(InitOptions* options, nint* error);

    [LibraryImport(Library)]
    private static partial void usearch_free(nint index, nint* error);

    [LibraryImport(Library)]
    private static partial void usearch_reserve(nint index, nuint capacity, nint* error);

    [LibraryImport(Library)]
    private static partial void usearch_change_threads_add(nint index, nuint threads, nint* error);

    [LibraryImport(Library)]
    private static partial void usearch_change_threads_search(nint index, nuint threads, nint* error);

    [LibraryImport(Library)]
    private static partial void usearch_add(nint index, ulong key, void* vector, uint kind, nint* error);

    [LibraryImport(Library)]
    private static partial nuint usearch_search(nint index, void* query, uint kind, nuint count, ulong* keys, float* distances, nint* error);

    [LibraryImport(Library)]
    private static partial nuint usearch_size(nint index, nint* error);

    [LibraryImport(Library)]
    private static partial nuint usearch_capacity(nint index, nint* error);

    [LibraryImport(Library)]
    private static partial nuint usearch_connectivity(nint index, nint* error);

    [LibraryImport(Library)]
    private static partial nuint usearch_expansion_add(nint index, nint* error);

    [LibraryImport(Library)]
    private static partial nuint usearch_expansion_search(nint index, nint* error);

    [LibraryImport(Library)]
    private static partial nuint usearch_memory_usage(nint index, nint* error);

    [LibraryImport(Library)]
    private static partial nuint usearch_serialized_length(nint index, nint* error);

    [LibraryImport(Library)]
    private static partial nint usearch_hardware_acceleration(nint index, nint* error);
}
