using CortexHybrid.Simd;

namespace CortexHybrid.Search;

/// <summary>
/// An exact (brute-force) nearest-neighbour index held in memory: every search scores every stored
/// vector and returns exactly what a brute-force reference returns, best first, ties by the smaller id.
/// </summary>
/// <remarks>
/// <para>
/// Rows live in one contiguous, 64-byte aligned native block (see <see cref="MemoryBytes"/>); for
/// <see cref="SimilarityMetric.Cosine"/> they are stored normalized, with their norms kept, so a
/// search is a dot product. With the native kernel, scoring and top-k selection run fused in Rust,
/// up to 16 queries per pass over the rows (each row is read once for all of them); large indexes
/// are split into partitions searched on <see cref="MaxDegreeOfParallelism"/> threads and merged.
/// </para>
/// <para>
/// Thread-safety: a reader-writer lock. Any number of searches run at once; <see cref="Add"/>,
/// <see cref="AddRange"/> and <see cref="Remove"/> wait for running searches, run alone, and
/// searches wait for them, so a reader never sees a half-written row.
/// </para>
/// </remarks>
public sealed partial class VectorIndex : IDisposable
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<long, int> _positions = [];
    private readonly RowStore _store;
    private readonly ISimilarityKernel _kernel;
    private readonly bool _native;
    private readonly IQuantizedKernel? _quantized;
    private readonly Int8Scales? _scales;
    private int _maxDegreeOfParallelism = Environment.ProcessorCount;
    private bool _disposed;

    /// <summary>The longest vector an index takes: 2^20 floats (4 MiB a row), far above any embedding model's.</summary>
    public const int MaxDimension = 1 << 20;

    /// <summary>Creates an empty index of float32 rows.</summary>
    /// <param name="dimension">The length of every vector, from 1 to <see cref="MaxDimension"/>.</param>
    /// <param name="metric">How vectors are scored.</param>
    /// <param name="kernel">The kernel that scores; null for <see cref="SimilarityKernels.Default"/>. The native kernel also selects the top k in Rust.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is below 1 or above <see cref="MaxDimension"/>, or <paramref name="metric"/> is not defined.</exception>
    public VectorIndex(int dimension, SimilarityMetric metric = SimilarityMetric.Cosine, ISimilarityKernel? kernel = null)
        : this(dimension, metric, kernel, options: null)
    {
    }

    /// <summary>Creates an empty index that stores its rows as <paramref name="options"/> say.</summary>
    /// <param name="dimension">The length of every vector, from 1 to <see cref="MaxDimension"/>, and at most <see cref="MaxInt8Dimension"/> for <see cref="VectorStorage.Int8"/>.</param>
    /// <param name="metric">How vectors are scored.</param>
    /// <param name="kernel">The kernel that scores; null for <see cref="SimilarityKernels.Default"/>. Its backend (native, managed or scalar) also runs the quantized scans.</param>
    /// <param name="options">The storage; null for float32 rows.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="dimension"/> is out of range, <paramref name="metric"/> is not defined, or an option is out of its range.</exception>
    /// <exception cref="ArgumentException">The options contradict each other.</exception>
    public VectorIndex(int dimension, SimilarityMetric metric, ISimilarityKernel? kernel, VectorStorageOptions? options)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(dimension, MaxDimension);
        if (!Enum.IsDefined(metric))
        {
            throw new ArgumentOutOfRangeException(nameof(metric), metric, "Unknown similarity metric.");
        }

        options ??= new VectorStorageOptions();
        Oversample = options.Validate();
        Storage = options.Storage;
        if (Storage == VectorStorage.Int8 && dimension > MaxInt8Dimension)
        {
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, $"Int8 storage takes vectors of at most {MaxInt8Dimension} elements (the integer dot product must not overflow).");
        }

        Metric = metric;
        _kernel = kernel ?? SimilarityKernels.Default;
        _native = _kernel.Backend == KernelBackend.Native;
        int codeBytes = Storage switch
        {
            VectorStorage.Int8 => dimension,
            VectorStorage.BFloat16 => dimension * sizeof(ushort),
            _ => 0,
        };
        _store = new RowStore(dimension, options.KeepFullPrecision, codeBytes);
        if (Storage != VectorStorage.Float32)
        {
            _quantized = QuantizedKernels.For(_kernel.Backend);
            _scales = Storage == VectorStorage.Int8 ? new Int8Scales(dimension) : null;
        }
    }

    /// <summary>The longest vector an <see cref="VectorStorage.Int8"/> index takes: 131,071 elements, so that an int32 dot product of codes cannot overflow.</summary>
    public const int MaxInt8Dimension = QuantizedKernels.MaxInt8Length;

    /// <summary>How the rows are stored (<see cref="VectorStorage.Float32"/> unless the options said otherwise).</summary>
    public VectorStorage Storage { get; }

    /// <summary>For quantized storage, how many candidates per hit a search rescores (1 for float32).</summary>
    public int Oversample { get; }

    /// <summary>
    /// True when every score a search returns is the float32 score (float32 storage, or quantized
    /// storage with full-precision rows kept, where candidates are rescored); false when the scores
    /// are quantized estimates (full-precision rows dropped).
    /// </summary>
    public bool ExactScores => _store.HasFloats;

    /// <summary>How many vectors are stored.</summary>
    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _store.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>The length of every vector.</summary>
    public int Dimension => _store.Dimension;

    /// <summary>How vectors are scored.</summary>
    public SimilarityMetric Metric { get; }

    /// <summary>The kernel that scores, as <see cref="ISimilarityKernel.Description"/> gives it.</summary>
    public string KernelDescription => _kernel.Description;

    /// <summary>
    /// Bytes held for rows, quantized codes, ids, norms and biases (and the sign bits of
    /// <see cref="SignPrefilter"/>): within 1.3x of what
    /// <see cref="Count"/> rows need (plus 64 rows, or what <see cref="EnsureCapacity"/> reserved).
    /// A row needs <c>Dimension x 4</c> bytes of floats (unless quantized without full precision),
    /// <c>Dimension</c> (int8) or <c>Dimension x 2</c> (bfloat16) bytes of codes, and 12 to 16 bytes
    /// of id, norm and bias.
    /// </summary>
    public long MemoryBytes
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _store.AllocatedBytes + (_signBits?.AllocatedBytes ?? 0);
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Threads one search may use on a large index; default <see cref="Environment.ProcessorCount"/>, 1 for none.</summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is below 1.</exception>
    public int MaxDegreeOfParallelism
    {
        get => Volatile.Read(ref _maxDegreeOfParallelism);
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            Volatile.Write(ref _maxDegreeOfParallelism, value);
        }
    }

    /// <summary>
    /// Makes room for at least <paramref name="capacity"/> vectors in all, so that adding up to
    /// that many reallocates nothing. Growing an index one batch at a time holds the old rows and
    /// the new, larger block at once while it copies; an index rebuilt from a store of known size
    /// reserves once and never holds two copies. Like <see cref="List{T}.EnsureCapacity"/>, it never shrinks.
    /// </summary>
    /// <param name="capacity">The vectors to make room for, from 0 to <see cref="Array.MaxLength"/>.</param>
    /// <returns>The vectors the index now has room for.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="capacity"/> is negative or above <see cref="Array.MaxLength"/>.</exception>
    /// <exception cref="ObjectDisposedException">The index is disposed.</exception>
    public int EnsureCapacity(int capacity)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(capacity);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(capacity, Array.MaxLength);
        _lock.EnterWriteLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _store.EnsureCapacity(capacity);
            _positions.EnsureCapacity(capacity);
            return _store.Capacity;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Adds a vector under <paramref name="id"/>.</summary>
    /// <param name="id">Its id; unique in the index.</param>
    /// <param name="vector"><see cref="Dimension"/> finite floats.</param>
    /// <exception cref="ArgumentException">The id is already stored, the length is not <see cref="Dimension"/>, or the vector holds a NaN or an infinity.</exception>
    /// <exception cref="ObjectDisposedException">The index is disposed.</exception>
    public void Add(long id, ReadOnlySpan<float> vector)
    {
        RequireStorable(vector, nameof(vector), row: null);
        _lock.EnterWriteLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (_positions.ContainsKey(id))
            {
                throw new ArgumentException($"The id {id} is already in the index.", nameof(id));
            }

            FitInt8IfFirst(vector);
            AppendRow(id, vector);
            RefitInt8IfDrifted();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Adds many vectors at once: all of them, or none if any is rejected.</summary>
    /// <param name="ids">Their ids, unique among themselves and in the index.</param>
    /// <param name="rowMajorVectors"><c>ids.Length x Dimension</c> finite floats, vector after vector.</param>
    /// <exception cref="ArgumentException">Lengths do not match, an id repeats or is already stored, or a vector holds a NaN or an infinity.</exception>
    /// <exception cref="ObjectDisposedException">The index is disposed.</exception>
    public void AddRange(ReadOnlySpan<long> ids, ReadOnlySpan<float> rowMajorVectors)
    {
        if ((long)ids.Length * Dimension != rowMajorVectors.Length)
        {
            throw new ArgumentException(
                $"{ids.Length} ids need {(long)ids.Length * Dimension} floats ({Dimension} each), but {rowMajorVectors.Length} were given.",
                nameof(rowMajorVectors));
        }

        for (int r = 0; r < ids.Length; r++)
        {
            RequireStorable(rowMajorVectors.Slice(r * Dimension, Dimension), nameof(rowMajorVectors), r);
        }

        var seen = new HashSet<long>(ids.Length);
        foreach (long id in ids)
        {
            if (!seen.Add(id))
            {
                throw new ArgumentException($"The id {id} appears twice.", nameof(ids));
            }
        }

        _lock.EnterWriteLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            foreach (long id in ids)
            {
                if (_positions.ContainsKey(id))
                {
                    throw new ArgumentException($"The id {id} is already in the index.", nameof(ids));
                }
            }

            _store.Reserve(ids.Length);
            _positions.EnsureCapacity(_positions.Count + ids.Length);
            FitInt8IfFirst(rowMajorVectors);
            for (int r = 0; r < ids.Length; r++)
            {
                AppendRow(ids[r], rowMajorVectors.Slice(r * Dimension, Dimension));
            }

            RefitInt8IfDrifted();
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes the vector stored under <paramref name="id"/>.</summary>
    /// <param name="id">Its id.</param>
    /// <returns>True if it was stored.</returns>
    /// <exception cref="ObjectDisposedException">The index is disposed.</exception>
    public bool Remove(long id)
    {
        _lock.EnterWriteLock();
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (!_positions.Remove(id, out int position))
            {
                return false;
            }

            _clampedRows.Remove(id);

            int last = _store.Count - 1;
            if (_store.RemoveAt(position) is long moved)
            {
                _positions[moved] = position;
                _signBits?.Move(last, position);
            }

            return true;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>True if a vector is stored under <paramref name="id"/>.</summary>
    /// <param name="id">The id.</param>
    /// <returns>Whether it is stored.</returns>
    public bool Contains(long id)
    {
        _lock.EnterReadLock();
        try
        {
            return _positions.ContainsKey(id);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    /// <summary>Frees the rows. Searches and writes after this throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_disposed)
            {
                _disposed = true;
                _store.Dispose();
                _positions.Clear();
                _signBits = null;
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Appends one checked row; the caller holds the write lock.</summary>
    private void AppendRow(long id, ReadOnlySpan<float> vector)
    {
        if (Metric == SimilarityMetric.Cosine)
        {
            Span<float> normalized = Dimension <= 1024 ? stackalloc float[Dimension] : new float[Dimension];
            float norm = VectorChecks.Normalize(vector, normalized);
            _store.Append(id, normalized, norm);
            EncodeRow(_store.Count - 1, normalized);
        }
        else
        {
            _store.Append(id, vector, 0);
            EncodeRow(_store.Count - 1, vector);
        }

        WriteSignBits(_store.Count - 1);
        _positions.Add(id, _store.Count - 1);
    }

    private void RequireStorable(ReadOnlySpan<float> vector, string parameter, int? row)
    {
        string which = row is int r ? $"Vector {r}" : "The vector";
        if (vector.Length != Dimension)
        {
            throw new ArgumentException($"{which} has {vector.Length} floats; the index's dimension is {Dimension}.", parameter);
        }

        int bad = VectorChecks.IndexOfNonFinite(vector);
        if (bad >= 0)
        {
            throw new ArgumentException($"{which} holds {vector[bad]} at element {bad}: stored vectors must be finite.", parameter);
        }
    }
}
