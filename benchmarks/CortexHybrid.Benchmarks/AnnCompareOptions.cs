using System.Globalization;
using Cloud.Unum.USearch;
using CortexHybrid.Search;

namespace CortexHybrid.Benchmarks;

/// <summary>The arguments of <c>ann-compare</c>, checked.</summary>
public sealed class AnnCompareOptions
{
    public const string Usage =
        "Usage: ann-compare [--sizes 100000x384,200000x768] [--data gaussian,clustered,minilm] [--only recall|compare] "
        + "[--queries 1000] [--oversample 0,1,2,4,8] [--sign-prefilter 16,32,64|none] [--usearch f32,i8[,bf16,f16]|none] [--threads N] "
        + "[--minilm-rows 12000] [--embeddings PATH.fvecs] [--refresh-embeddings]";

    public List<(int Rows, int Dimension)> Sizes { get; } = [(100_000, 384), (200_000, 768)];

    public HashSet<string> Data { get; } = ["gaussian", "clustered", "minilm"];

    public bool Recall { get; private set; } = true;

    public bool Compare { get; private set; } = true;

    public int Queries { get; private set; } = 1_000;

    public List<int> Oversamples { get; } = [0, 1, 2, 4, 8];

    /// <summary>The <see cref="CortexHybrid.Search.VectorIndex.SignPrefilter"/> factors measured on int8 (default oversample); empty for none.</summary>
    public List<int> SignPrefilters { get; } = [16, 32, 64];

    public List<(string Name, ScalarKind Kind)> USearchKinds { get; } = [("f32", ScalarKind.Float32), ("i8", ScalarKind.Int8)];

    public int Threads { get; private set; } = Environment.ProcessorCount;

    public int MiniLmRows { get; private set; } = 12_000;

    public string? EmbeddingsPath { get; private set; }

    public bool RefreshEmbeddings { get; private set; }

    public bool Help { get; private set; }

    private static readonly HashSet<string> ValueNames =
        ["--sizes", "--data", "--only", "--queries", "--oversample", "--sign-prefilter", "--usearch", "--threads", "--minilm-rows", "--embeddings"];

    /// <summary>Parses <paramref name="args"/>; null and a one-line <paramref name="error"/> when they are bad.</summary>
    public static AnnCompareOptions? Parse(IReadOnlyList<string> args, out string? error)
    {
        var options = new AnnCompareOptions();
        error = null;
        for (int i = 0; i < args.Count; i++)
        {
            string name = args[i];
            if (name is "-h" or "--help")
            {
                options.Help = true;
                continue;
            }

            if (name == "--refresh-embeddings")
            {
                options.RefreshEmbeddings = true;
                continue;
            }

            if (!ValueNames.Contains(name))
            {
                error = $"Unknown argument '{name}'. {Usage}";
                return null;
            }

            if (i + 1 >= args.Count)
            {
                error = $"'{name}' needs a value. {Usage}";
                return null;
            }

            string value = args[++i];
            error = name switch
            {
                "--sizes" => options.ParseSizes(value),
                "--data" => options.ParseData(value),
                "--only" => options.ParseOnly(value),
                "--queries" => ParseInt(name, value, 1, 100_000, v => options.Queries = v),
                "--oversample" => options.ParseOversamples(value),
                "--sign-prefilter" => options.ParseSignPrefilters(value),
                "--usearch" => options.ParseUSearch(value),
                "--threads" => ParseInt(name, value, 1, 1024, v => options.Threads = v),
                "--minilm-rows" => ParseInt(name, value, 100, 1_000_000, v => options.MiniLmRows = v),
                "--embeddings" => options.ParseEmbeddings(value),
                _ => throw new InvalidOperationException("unreachable: " + name),
            };
            if (error is not null)
            {
                return null;
            }
        }

        return options;
    }

    private static string? ParseInt(string name, string value, int min, int max, Action<int> set)
    {
        if (!int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out int parsed) || parsed < min || parsed > max)
        {
            return $"{name} must be a whole number from {min} to {max}, not '{value}'.";
        }

        set(parsed);
        return null;
    }

    private static string[] Items(string value) => value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private string? ParseSizes(string value)
    {
        Sizes.Clear();
        foreach (string item in Items(value))
        {
            string[] parts = item.Split('x', 'X');
            if (parts.Length != 2
                || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int rows)
                || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out int dimension)
                || rows < 100 || dimension < 1 || dimension > VectorIndex.MaxInt8Dimension
                || (long)rows * dimension > Array.MaxLength)
            {
                return $"--sizes takes ROWSxDIM items (rows at least 100, dimension 1 to {VectorIndex.MaxInt8Dimension}, rows x dim floats in one array), not '{item}'.";
            }

            Sizes.Add((rows, dimension));
        }

        return Sizes.Count == 0 ? "--sizes needs at least one ROWSxDIM." : null;
    }

    private string? ParseData(string value)
    {
        Data.Clear();
        foreach (string item in Items(value))
        {
            if (item is not ("gaussian" or "clustered" or "minilm"))
            {
                return $"--data takes gaussian, clustered and minilm, not '{item}'.";
            }

            Data.Add(item);
        }

        return Data.Count == 0 ? "--data needs at least one of gaussian, clustered, minilm." : null;
    }

    private string? ParseOnly(string value)
    {
        switch (value)
        {
            case "recall":
                Compare = false;
                return null;
            case "compare":
                Recall = false;
                return null;
            default:
                return $"--only takes recall or compare, not '{value}'.";
        }
    }

    private string? ParseSignPrefilters(string value)
    {
        SignPrefilters.Clear();
        if (value == "none")
        {
            return null;
        }

        foreach (string item in Items(value))
        {
            if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out int factor) || factor < 1 || factor > CortexHybrid.Search.VectorIndex.MaxSignPrefilter)
            {
                return $"--sign-prefilter takes factors from 1 to {CortexHybrid.Search.VectorIndex.MaxSignPrefilter}, or none, not '{item}'.";
            }

            if (!SignPrefilters.Contains(factor))
            {
                SignPrefilters.Add(factor);
            }
        }

        return SignPrefilters.Count == 0 ? "--sign-prefilter needs at least one factor, or none." : null;
    }

    private string? ParseOversamples(string value)
    {
        Oversamples.Clear();
        foreach (string item in Items(value))
        {
            if (!int.TryParse(item, NumberStyles.None, CultureInfo.InvariantCulture, out int oversample) || oversample > VectorStorageOptions.MaxOversample)
            {
                return $"--oversample takes factors from 1 to {VectorStorageOptions.MaxOversample} (0 for the default), not '{item}'.";
            }

            if (!Oversamples.Contains(oversample))
            {
                Oversamples.Add(oversample);
            }
        }

        return Oversamples.Count == 0 ? "--oversample needs at least one factor." : null;
    }

    private string? ParseUSearch(string value)
    {
        USearchKinds.Clear();
        if (value == "none")
        {
            return null;
        }

        foreach (string item in Items(value))
        {
            ScalarKind? kind = item switch
            {
                "f32" => ScalarKind.Float32,
                "i8" => ScalarKind.Int8,
                "bf16" => ScalarKind.BFloat16,
                "f16" => ScalarKind.Float16,
                _ => null,
            };
            if (kind is null)
            {
                return $"--usearch takes f32, i8, bf16, f16 or none, not '{item}'.";
            }

            if (!USearchKinds.Exists(k => k.Name == item))
            {
                USearchKinds.Add((item, kind.Value));
            }
        }

        return USearchKinds.Count == 0 ? "--usearch needs a kind or none." : null;
    }

    private string? ParseEmbeddings(string value)
    {
        if (string.IsNullOrWhiteSpace(value) || !value.EndsWith(".fvecs", StringComparison.OrdinalIgnoreCase))
        {
            return $"--embeddings takes a path ending in .fvecs, not '{value}'.";
        }

        EmbeddingsPath = value;
        return null;
    }
}
