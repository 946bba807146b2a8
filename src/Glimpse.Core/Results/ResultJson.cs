using System.Text.Encodings.Web;
using System.Text.Json;
using Glimpse.Core.Images;
using Glimpse.Core.Rendering;

namespace Glimpse.Core.Results;

/// <summary>
/// result.json: an <see cref="ExplanationResult"/> as JSON, described field by field in Schemas/result.schema.json.
/// <para>
/// Names are snake_case (<c>schema_version</c>, <c>image_map</c>, <c>per_token_maps</c>), as Hugging Face writes its
/// JSON (config.json, generation_config.json), so Python readers feel at home; option names are written as given. Every
/// field is always present (a missing value is <c>null</c>), numbers are finite and written in their shortest
/// round-trip form, so <c>Deserialize(Serialize(r))</c> serialises back to the same text. Text stays readable
/// (non-ASCII token pieces such as "▁" are not escaped).
/// </para>
/// <para>
/// Version 2 carries the image-token layout (<c>image_layout</c>: the grids with their geometry onto the original, the
/// unplaced tokens), every image token's raw value with its sequence position and cell (<c>image_tokens</c>), the
/// composed map over the original (<c>image_map</c>, <see cref="MapComposer.BoxIntegral"/>) and the per-token values
/// (<c>per_token_maps</c>). Reading accepts any 2.x file and ignores fields it does not know, so a newer minor version
/// still reads; it rejects a missing field, a non-finite number, or anything that disagrees with the layout (a token in
/// two cells, a cell or position that is not the layout's, a composed map that is not the tokens'), with a
/// <see cref="JsonException"/>. Version 1 files (one grid, no layout) are read by the audit aggregator only, which has
/// the geometry their workers wrote beside them.
/// </para>
/// </summary>
public static class ResultJson
{
    /// <summary>How result.json and the files beside it are written; shared by readers of older versions.</summary>
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = new SnakeCaseNames(),
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
    };

    /// <summary>snake_case, except that <see cref="ModelSummary.DType"/> is "dtype" as in Hugging Face's configs, not "d_type".</summary>
    private sealed class SnakeCaseNames : JsonNamingPolicy
    {
        public override string ConvertName(string name) =>
            name == nameof(ModelSummary.DType) ? "dtype" : SnakeCaseLower.ConvertName(name);
    }

    public static string Serialize(ExplanationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        string? problem = FindProblem(result);
        if (problem is not null) throw new ArgumentException($"cannot write result.json: {problem}", nameof(result));
        return JsonSerializer.Serialize(ResultDocument.Of(result), Options);
    }

    public static ExplanationResult Deserialize(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        string version = SchemaVersion(json);
        if (!version.StartsWith("2.", StringComparison.Ordinal))
            throw new JsonException($"result.json schema version {version} is not supported (this reader knows 2.x)");
        var document = JsonSerializer.Deserialize<ResultDocument>(json, Options)
            ?? throw new JsonException("result.json holds null instead of a result");
        var result = document.ToResult();
        string? problem = FindProblem(result) ?? document.FindProblem(result);
        return problem is null ? result : throw new JsonException($"result.json is inconsistent: {problem}");
    }

    /// <summary>A result file's <c>schema_version</c>, read before anything else so each version goes to its reader.</summary>
    public static string SchemaVersion(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.ValueKind == JsonValueKind.Object
               && document.RootElement.TryGetProperty("schema_version", out var version) && version.ValueKind == JsonValueKind.String
            ? version.GetString()!
            : throw new JsonException("result.json has no schema_version");
    }

    /// <summary>The first thing that keeps the result from being a valid result.json, named by its JSON path; null when it is valid.</summary>
    private static string? FindProblem(ExplanationResult result)
    {
        var layout = result.ImageMap.Layout;
        string? problem = ValuesProblem(result.ImageMap.Values, "image_tokens", "value");
        if (problem is not null) return problem;
        int imagePositions = result.PromptTokens.Count(t => t.Role == "image");
        if (imagePositions != layout.TokenCount)
            return $"prompt_tokens has {imagePositions} image tokens, the layout {layout.TokenCount}";
        if (result.PerTokenMaps is { } maps)
        {
            if (maps.Count != result.AnswerTokens.Count)
                return $"per_token_maps has {maps.Count} maps for {result.AnswerTokens.Count} answer tokens";
            for (int t = 0; t < maps.Count; t++)
            {
                if (!ReferenceEquals(maps[t].Layout, layout)) return $"per_token_maps[{t}] is over another layout than image_map";
                if (ValuesProblem(maps[t].Values, $"per_token_maps[{t}]", null) is { } mapProblem) return mapProblem;
            }
        }
        for (int i = 0; i < result.PromptTokens.Count; i++)
            if (result.PromptTokens[i].Saliency is { } saliency && !double.IsFinite(saliency))
                return $"prompt_tokens[{i}].saliency is {saliency}";
        for (int i = 0; i < result.AnswerTokens.Count; i++)
        {
            var token = result.AnswerTokens[i];
            foreach (var (name, value) in new[]
                     {
                         ("visual_weight", token.VisualWeight), ("prompt_weight", token.PromptWeight),
                         ("relevance", token.Relevance), ("probability", token.Probability),
                     })
                if (!double.IsFinite(value)) return $"answer_tokens[{i}].{name} is {value}";
            if (token.Probability is < 0 or > 1) return $"answer_tokens[{i}].probability is {token.Probability}, outside [0, 1]";
        }
        var timings = result.Timings;
        foreach (var (name, value) in new[]
                 {
                     ("generate_seconds", timings.GenerateSeconds), ("forward_seconds", timings.ForwardSeconds),
                     ("gradient_seconds", timings.GradientSeconds), ("total_seconds", timings.TotalSeconds),
                 })
            if (!(double.IsFinite(value) && value >= 0)) return $"timings.{name} is {value}, not a finite number of seconds";
        return result.PeakMemoryBytes < 0 ? $"peak_memory_bytes is {result.PeakMemoryBytes}" : null;
    }

    /// <summary>Names the first non-finite value: <c>path[i].field</c>, or <c>path[i]</c> without a field.</summary>
    private static string? ValuesProblem(double[] values, string path, string? field)
    {
        int bad = Array.FindIndex(values, v => !double.IsFinite(v));
        return bad < 0 ? null : $"{path}[{bad}]{(field is null ? "" : "." + field)} is {values[bad]}";
    }

    /// <summary>result.json 2.x as written: the result with its maps spelled out against the layout.</summary>
    private sealed record ResultDocument
    {
        public required string SchemaVersion { get; init; }
        public required ModelSummary Model { get; init; }
        public required string Method { get; init; }
        public required bool Approximate { get; init; }
        public required IReadOnlyDictionary<string, string> Options { get; init; }
        public required string Question { get; init; }
        public required string Answer { get; init; }
        public required IReadOnlyList<PromptToken> PromptTokens { get; init; }
        public required IReadOnlyList<AnswerToken> AnswerTokens { get; init; }
        public required LayoutDocument ImageLayout { get; init; }
        public required IReadOnlyList<ImageTokenDocument> ImageTokens { get; init; }
        public required ComposedMapDocument ImageMap { get; init; }
        public required IReadOnlyList<double[]>? PerTokenMaps { get; init; }
        public required ExplanationTimings Timings { get; init; }
        public required long PeakMemoryBytes { get; init; }
        public required IReadOnlyList<string> Warnings { get; init; }

        public static ResultDocument Of(ExplanationResult result)
        {
            var map = result.ImageMap;
            var layout = map.Layout;
            int[] positions = ImagePositions(result);
            return new ResultDocument
            {
                SchemaVersion = result.SchemaVersion, Model = result.Model, Method = result.Method, Approximate = result.Approximate,
                Options = result.Options, Question = result.Question, Answer = result.Answer,
                PromptTokens = result.PromptTokens, AnswerTokens = result.AnswerTokens,
                ImageLayout = LayoutDocument.Of(layout),
                ImageTokens = Enumerable.Range(0, layout.TokenCount).Select(k => layout.CellOf(k) is { } cell
                    ? new ImageTokenDocument(positions[k], map.Values[k], cell.Grid, cell.Row, cell.Column)
                    : new ImageTokenDocument(positions[k], map.Values[k], null, null, null)).ToList(),
                ImageMap = ComposedMapDocument.Of(map),
                PerTokenMaps = result.PerTokenMaps?.Select(m => m.Values).ToList(),
                Timings = result.Timings, PeakMemoryBytes = result.PeakMemoryBytes, Warnings = result.Warnings,
            };
        }

        public ExplanationResult ToResult()
        {
            var layout = ImageLayout.ToLayout();
            if (ImageTokens.Count != layout.TokenCount)
                throw new JsonException($"result.json is inconsistent: image_tokens has {ImageTokens.Count} entries, image_layout.token_count is {layout.TokenCount}");
            return new ExplanationResult
            {
                SchemaVersion = SchemaVersion, Model = Model, Method = Method, Approximate = Approximate, Options = Options,
                Question = Question, Answer = Answer, PromptTokens = PromptTokens, AnswerTokens = AnswerTokens,
                ImageMap = new ImageTokenMap(layout, ImageTokens.Select(t => t.Value).ToArray()),
                PerTokenMaps = PerTokenMaps?.Select((values, t) => values.Length == layout.TokenCount
                    ? new ImageTokenMap(layout, values)
                    : throw new JsonException($"result.json is inconsistent: per_token_maps[{t}] has {values.Length} values for {layout.TokenCount} image tokens")).ToList(),
                Timings = Timings, PeakMemoryBytes = PeakMemoryBytes, Warnings = Warnings,
            };
        }

        /// <summary>What the written layout-derived fields say that the layout they were read with does not.</summary>
        public string? FindProblem(ExplanationResult result)
        {
            var layout = result.ImageMap.Layout;
            if (!ImageLayout.UnplacedTokens.SequenceEqual(layout.UnplacedTokens))
                return $"image_layout.unplaced_tokens is [{string.Join(", ", ImageLayout.UnplacedTokens)}], the grids leave [{string.Join(", ", layout.UnplacedTokens)}] without a cell";
            for (int g = 0; g < layout.Grids.Count; g++)
                if (ImageLayout.Grids[g].RegionOnOriginal != RegionDocument.Of(layout.Grids[g].RegionOnOriginal()))
                    return $"image_layout.grids[{g}].region_on_original is not where its geometry puts the grid";
            int[] positions = ImagePositions(result);
            for (int k = 0; k < ImageTokens.Count; k++)
            {
                var token = ImageTokens[k];
                var cell = layout.CellOf(k);
                if ((token.Grid, token.Row, token.Column) != (cell?.Grid, cell?.Row, cell?.Column))
                    return $"image_tokens[{k}] says grid {token.Grid?.ToString() ?? "null"} cell ({token.Row}, {token.Column}), the layout "
                           + (cell is { } c ? $"grid {c.Grid} cell ({c.Row}, {c.Column})" : "no cell");
                if (token.Position != positions[k])
                    return $"image_tokens[{k}].position is {token.Position}, the prompt's image token {k} is at {positions[k]}";
            }
            var expected = ComposedMapDocument.Of(result.ImageMap);
            if ((ImageMap.Width, ImageMap.Height) != (expected.Width, expected.Height))
                return $"image_map is {ImageMap.Width}×{ImageMap.Height}, the layout composes {expected.Width}×{expected.Height}";
            if (ValuesProblem(ImageMap.Values, "image_map.values", null) is { } valuesProblem) return valuesProblem;
            if (ImageMap.Values.Length != expected.Values.Length)
                return $"image_map has {ImageMap.Values.Length} values for {expected.Width}×{expected.Height} cells";
            double scale = expected.Values.Sum(Math.Abs) + 1e-300;
            int differs = Enumerable.Range(0, expected.Values.Length).FirstOrDefault(i => Math.Abs(ImageMap.Values[i] - expected.Values[i]) > 1e-9 * scale, -1);
            return differs < 0 ? null : $"image_map.values[{differs}] is {ImageMap.Values[differs]}, the image tokens compose to {expected.Values[differs]}";
        }

        /// <summary>The sequence position of each image token: the prompt's image tokens, in order.</summary>
        private static int[] ImagePositions(ExplanationResult result) =>
            result.PromptTokens.Where(t => t.Role == "image").Select(t => t.Position).ToArray();
    }

    private sealed record LayoutDocument(int TokenCount, IReadOnlyList<GridDocument> Grids, int[] UnplacedTokens)
    {
        public static LayoutDocument Of(ImageTokenLayout layout) =>
            new(layout.TokenCount, layout.Grids.Select(GridDocument.Of).ToList(), layout.UnplacedTokens.ToArray());

        public ImageTokenLayout ToLayout()
        {
            try
            {
                return new ImageTokenLayout(TokenCount, Grids.Select(g => g.ToGrid()).ToList());
            }
            catch (ArgumentException e)
            {
                throw new JsonException($"result.json's image_layout is not a layout: {e.Message}", e);
            }
        }
    }

    private sealed record GridDocument(string Name, int Rows, int Columns, int CellSize, int[] Tokens, GeometryDocument Geometry, RegionDocument? RegionOnOriginal)
    {
        public static GridDocument Of(TokenGrid grid) =>
            new(grid.Name, grid.Rows, grid.Columns, grid.CellSize, grid.Tokens, GeometryDocument.Of(grid.Geometry), RegionDocument.Of(grid.RegionOnOriginal()));

        public TokenGrid ToGrid() => new()
        {
            Name = Name, Rows = Rows, Columns = Columns, CellSize = CellSize, Tokens = Tokens, Geometry = Geometry.ToImageGeometry(),
        };
    }

    private sealed record RegionDocument(double Left, double Top, double Right, double Bottom)
    {
        public static RegionDocument? Of(ImageRegion? region) =>
            region is { } r ? new RegionDocument(r.Left, r.Top, r.Right, r.Bottom) : null;
    }

    private sealed record ImageTokenDocument(int Position, double Value, int? Grid, int? Row, int? Column);

    private sealed record ComposedMapDocument(int Width, int Height, string Rule, double[] Values)
    {
        public static ComposedMapDocument Of(ImageTokenMap map)
        {
            var (width, height) = MapComposer.ComposedSize(map.Layout);
            return new ComposedMapDocument(width, height, MapComposer.Rule, MapComposer.BoxIntegral(map, width, height));
        }
    }
}

/// <summary>An <see cref="ImageGeometry"/> as result.json writes it: the sizes and boxes only.</summary>
public sealed record GeometryDocument(GeometrySize Original, GeometrySize Canvas, GeometryRect OriginalOnCanvas, GeometrySize Resized, GeometryRect CropBox)
{
    public static GeometryDocument Of(ImageGeometry geometry)
    {
        ArgumentNullException.ThrowIfNull(geometry);
        return new(GeometrySize.Of(geometry.Original), GeometrySize.Of(geometry.Canvas), GeometryRect.Of(geometry.OriginalOnCanvas),
            GeometrySize.Of(geometry.Resized), GeometryRect.Of(geometry.CropBox));
    }

    /// <summary>The geometry again; a <see cref="JsonException"/> when the stored sizes do not make one.</summary>
    public ImageGeometry ToImageGeometry()
    {
        try
        {
            return new ImageGeometry(Original.ToPixelSize(), Canvas.ToPixelSize(), OriginalOnCanvas.ToPixelRect(), Resized.ToPixelSize(), CropBox.ToPixelRect());
        }
        catch (ArgumentException e)
        {
            throw new JsonException($"not an image geometry: {e.Message}", e);
        }
    }
}

/// <summary>A size in pixels as the JSON files write it (only the two numbers, not <see cref="PixelSize"/>'s derived ones).</summary>
public sealed record GeometrySize(int Width, int Height)
{
    public static GeometrySize Of(PixelSize size) => new(size.Width, size.Height);
    public PixelSize ToPixelSize() => new(Width, Height);
}

/// <summary>A rectangle of pixels as the JSON files write it.</summary>
public sealed record GeometryRect(int X, int Y, int Width, int Height)
{
    public static GeometryRect Of(PixelRect rect) => new(rect.X, rect.Y, rect.Width, rect.Height);
    public PixelRect ToPixelRect() => new(X, Y, Width, Height);
}
