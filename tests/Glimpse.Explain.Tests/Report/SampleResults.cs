using Glimpse.Core.Images;
using Glimpse.Core.Results;

namespace Glimpse.Explain.Tests.Report;

/// <summary>
/// A hand-built, realistic explanation in the LLaVA layout: a 48 × 40 photo, resized to 38 × 32 and centre-cropped to
/// 32 × 32 at x = 3, seen as a 4 × 4 grid of 8-pixel tokens; a six-token question (one of them markup, to prove
/// escaping), a five-token answer with per-token maps.
/// </summary>
internal static class SampleResults
{
    public const int TokenCellSize = 8;

    /// <summary>The question as typed, markup and all: the report must show it, not run it.</summary>
    public const string Question = "what color is the <b>big</b> ball? <script>alert(\"x\")</script> & co";

    public static ImageGeometry LlavaGeometry { get; } = new(new PixelSize(48, 40), new PixelSize(38, 32), new PixelRect(3, 0, 32, 32));

    /// <summary>The 4 × 4 grid of the sample's image tokens over <see cref="LlavaGeometry"/>.</summary>
    public static ImageTokenLayout Layout { get; } = ImageTokenLayout.SingleGrid(4, 4, TokenCellSize, LlavaGeometry);

    /// <summary>A map over a single grid of <paramref name="cellSize"/>-pixel cells; by default the model input is
    /// the original itself (columns·cellSize × rows·cellSize).</summary>
    public static ImageTokenMap GridMap(int rows, int columns, double[] values, ImageGeometry? geometry = null, int cellSize = TokenCellSize)
    {
        var input = new PixelSize(columns * cellSize, rows * cellSize);
        geometry ??= new ImageGeometry(input, input, new PixelRect(0, 0, input.Width, input.Height));
        return new ImageTokenMap(ImageTokenLayout.SingleGrid(rows, columns, cellSize, geometry), values);
    }

    /// <summary>
    /// Two grids over the 48 × 40 photo, as a tiled model lays them: "base", 5 × 6 cells of 4 px over the photo halved
    /// to 24 × 20 (8 × 8 original pixels a cell, the whole photo), then "high-res", 10 × 6 cells of 4 px over the left
    /// half of the photo at full size (4 × 4 pixels a cell). Tokens: the base's 30 then the high-res 60, after
    /// <paramref name="leadingUnplaced"/> tokens with no cell.
    /// </summary>
    public static ImageTokenLayout TwoGrids(int leadingUnplaced = 0)
    {
        var original = new PixelSize(48, 40);
        TokenGrid Grid(string name, int rows, int columns, int first, PixelSize resized, PixelRect crop) => new()
        {
            Name = name, Rows = rows, Columns = columns, CellSize = 4, Tokens = Enumerable.Range(first, rows * columns).ToArray(),
            Geometry = new ImageGeometry(original, resized, crop),
        };
        return new ImageTokenLayout(leadingUnplaced + 90,
        [
            Grid("base", 5, 6, leadingUnplaced, new PixelSize(24, 20), new PixelRect(0, 0, 24, 20)),
            Grid("high-res", 10, 6, leadingUnplaced + 30, original, new PixelRect(0, 0, 24, 40)),
        ]);
    }

    /// <summary>The result with another image map (and per-token maps): the prompt's image tokens become as many as
    /// the map's layout has, later positions shift.</summary>
    public static ExplanationResult WithImageMap(ExplanationResult result, ImageTokenMap map, IReadOnlyList<ImageTokenMap>? perTokenMaps = null)
    {
        int first = result.PromptTokens.First(t => t.Role == "image").Position;
        int shift = map.Layout.TokenCount - result.PromptTokens.Count(t => t.Role == "image");
        var prompt = result.PromptTokens.Where(t => t.Role != "image").Select(t => t.Position > first ? t with { Position = t.Position + shift } : t).ToList();
        prompt.InsertRange(first, Enumerable.Range(first, map.Layout.TokenCount).Select(p => new PromptToken(p, 32000, "<image>", "image", null)));
        return result with
        {
            PromptTokens = prompt,
            AnswerTokens = result.AnswerTokens.Select(t => t with { Position = t.Position + shift }).ToList(),
            ImageMap = map,
            PerTokenMaps = perTokenMaps,
        };
    }

    /// <summary>Sky above grass with a red ball on the right, so overlays can be checked by eye.</summary>
    public static RgbImage Photo(int width = 48, int height = 40)
    {
        var pixels = new byte[width * height * 3];
        for (int y = 0; y < height; y++)
        {
            for (int x = 0; x < width; x++)
            {
                int i = (y * width + x) * 3;
                double dx = (x - width * 0.68) / width, dy = (y - height * 0.6) / height;
                (byte r, byte g, byte b) = dx * dx + dy * dy < 0.03 ? ((byte)210, (byte)40, (byte)40)
                    : y < height / 2 ? ((byte)(120 + y), (byte)(170 + y), (byte)235)
                    : ((byte)60, (byte)(140 + (x % 7) * 4), (byte)60);
                pixels[i] = r;
                pixels[i + 1] = g;
                pixels[i + 2] = b;
            }
        }
        return new RgbImage(width, height, pixels);
    }

    /// <param name="geometry">Where the 4 × 4 grid of 8-pixel cells lies on the original; <see cref="LlavaGeometry"/> by default.</param>
    /// <param name="cls">Put a CLS image token with no cell in front of the grid's (LLaVA's "full" strategy); its value is <see cref="ClsValue"/>.</param>
    public static ExplanationResult Glimpse(bool approximate = false, bool perTokenMaps = true, ImageGeometry? geometry = null, bool cls = false)
    {
        var layout = (geometry is null ? Layout : ImageTokenLayout.SingleGrid(4, 4, TokenCellSize, geometry)).WithLeadingUnplaced(cls ? 1 : 0);
        return Build(approximate, perTokenMaps, layout);
    }

    /// <summary>The value of the CLS token of <c>Glimpse(cls: true)</c> in the response-level map.</summary>
    public const double ClsValue = 0.625;

    private static ExplanationResult Build(bool approximate, bool perTokenMaps, ImageTokenLayout layout)
    {
        int images = layout.TokenCount, extra = images - 16;
        var prompt = new List<PromptToken>
        {
            new(0, 1, "<s>", "bos", null),
            new(1, 3148, "▁USER", "template", null),
            new(2, 29901, ":", "template", null),
        };
        for (int i = 0; i < images; i++) prompt.Add(new PromptToken(3 + i, 32000, "<image>", "image", null));
        prompt.Add(new PromptToken(19 + extra, 13, "\n", "template", null));
        (string Text, double Saliency)[] question =
            [("▁what", 0.05), ("▁color", 0.62), ("▁is", 0.02), ("▁the", 0.01), ("▁<b>big</b>", 0.21), ("▁ball", 0.48)];
        for (int i = 0; i < question.Length; i++)
            prompt.Add(new PromptToken(20 + extra + i, 1000 + i, question[i].Text, "question", question[i].Saliency));
        prompt.Add(new PromptToken(26 + extra, 319, "▁A", "template", null));
        prompt.Add(new PromptToken(27 + extra, 1799, "SSISTANT", "template", null));
        prompt.Add(new PromptToken(28 + extra, 29901, ":", "template", null));

        AnswerToken[] answer =
        [
            new(29 + extra, 450, "▁The", 0.31, 0.69, 0.08, 0.71),
            new(30 + extra, 8287, "▁ball", 0.74, 0.26, 0.27, 0.88),
            new(31 + extra, 338, "▁is", 0.22, 0.78, 0.05, 0.97),
            new(32 + extra, 2654, "▁red", 0.91, 0.09, 0.52, 0.93),
            new(33 + extra, 29889, ".", 0.18, 0.82, 0.08, 0.99),
        ];
        // Each token looks at a different place; the red ball sits at the right of the crop (columns 2–3, rows 2–3).
        ImageTokenMap[] maps =
        [
            Spot(layout, 0, 1, 0.4), Spot(layout, 2, 2, 1.3), Spot(layout, 1, 1, 0.2), Spot(layout, 2, 3, 2.1), Spot(layout, 3, 0, 0.3),
        ];
        var response = new double[images];
        for (int t = 0; t < answer.Length; t++)
            for (int i = 0; i < images; i++) response[i] += answer[t].Relevance * maps[t].Values[i];
        if (extra > 0) response[0] = ClsValue;

        return new ExplanationResult
        {
            Model = new ModelSummary("llava-1.5-7b-hf", "llava", "float32", "cpu"),
            Method = approximate ? "glimpse-fast" : "glimpse",
            Approximate = approximate,
            Options = new Dictionary<string, string> { ["layers"] = "all", ["head_weighting"] = "gradient", ["alpha"] = "0.5" },
            Question = Question,
            Answer = "The ball is red.",
            PromptTokens = prompt,
            AnswerTokens = answer,
            ImageMap = new ImageTokenMap(layout, response),
            PerTokenMaps = perTokenMaps ? maps : null,
            Timings = new ExplanationTimings(1.84, 0.42, 3.17, 5.61),
            PeakMemoryBytes = 3_221_225_472,
            Warnings = ["token 5 (\".\") has β^V + β^P < 1e-6 <and> was reweighted"],
        };
    }

    /// <summary>A map over the 4 × 4 grid peaking at (row, col), falling off with distance, plus a small floor (also on a token with no cell).</summary>
    private static ImageTokenMap Spot(ImageTokenLayout layout, int row, int col, double peak)
    {
        var values = Enumerable.Repeat(0.01, layout.TokenCount).ToArray();
        var grid = layout.Grids[0];
        for (int r = 0; r < 4; r++)
            for (int c = 0; c < 4; c++)
                values[grid.Tokens[r * 4 + c]] += peak / (1 + (r - row) * (r - row) + (c - col) * (c - col));
        return new ImageTokenMap(layout, values);
    }
}
