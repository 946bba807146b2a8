using Glimpse.Core.Evaluation;
using Glimpse.Core.Images;
using Glimpse.Core.Rendering;
using Glimpse.Core.Results;
using Glimpse.Explain.Evaluation;
using Glimpse.Explain.Tests.Evaluation;
using Glimpse.Model;
using Glimpse.Model.Generation;
using Glimpse.Model.Tests;

namespace Glimpse.Explain.Tests;

/// <summary>LLaVA-NeXT's two-grid layout through the explain job, the evaluation and the map composition.</summary>
public class LlavaNextExplainTests
{
    [Theory]
    [InlineData("glimpse")]
    [InlineData("chefer")]
    public void ExplainsAnAnswerFromFilesOverBothGrids(string method)
    {
        using var reference = ReferenceSet.LlavaNext();
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        var request = new ExplainRequest(RgbImage.Load(reference.ImagePath), "where is the red circle", Explainers.Create(method))
        {
            MaxNewTokens = 6,
            PerTokenMaps = true,
            Generation = new GenerationOptions { StopAtEos = false },
        };
        var r = ExplainRun.Execute(runtime, request, (_, _) => { }).Result;

        Assert.Equal(reference.Ids("new_tokens"), r.AnswerTokens.Select(t => t.Id));
        var layout = r.ImageMap.Layout;
        Assert.Equal(34, r.ImageMap.Values.Length);
        Assert.Equal([("base", 4, 4), ("high-res", 2, 8)], layout.Grids.Select(g => (g.Name, g.Rows, g.Columns)));
        Assert.Equal([24, 33], layout.UnplacedTokens);
        Assert.Equal(5, r.PromptTokens.Count(t => t.Role == "question"));
        Assert.Equal(6, r.PerTokenMaps!.Count);
        // The reference's prompt and answer: GLIMPSE's S_V is the reference's, newline tokens included.
        string key = method == "glimpse" ? "glimpse.S_V" : "baseline.chefer.S_V";
        TensorAssert.RelativeClose(reference[key], TorchSharp.torch.tensor(r.ImageMap.Values), 1e-4, key);
    }

    [Fact]
    public void EvaluationRunsWithoutFaithfulnessAndRefusesItByName()
    {
        using var reference = ReferenceSet.LlavaNext();
        using var runtime = VisionLanguageRuntime.Open(reference.ModelDir);
        string data = EvalFolders.Write("e2e-llavanext", 2);
        var run = EvalRunner.Run(runtime, EvalSources.Open(data),
            new EvalOptions { Methods = ["glimpse", "rollout"], MaxNewTokens = 3, Faithfulness = null }, null);
        Assert.Equal(4, run.Records.Count);
        Assert.All(run.Records, r => Assert.Null(r.Faithfulness));
        Assert.All(run.Records, r => Assert.NotNull(r.Alignment));
        string outDir = Path.Combine(AppContext.BaseDirectory, "eval-output", "llavanext");
        if (Directory.Exists(outDir)) Directory.Delete(outDir, recursive: true);
        var files = EvalOutputs.Write(outDir, run);
        Assert.True(File.Exists(files.Csv) && File.Exists(files.Html));

        // Pixel-deletion faithfulness perturbs one grid's model input; two grids are refused, not guessed.
        var e = Assert.ThrowsAny<Exception>(() => EvalRunner.Run(runtime, EvalSources.Open(data),
            new EvalOptions { Methods = ["glimpse"], MaxNewTokens = 3, Faithfulness = new FaithfulnessOptions { Steps = 3 } }, null));
        Assert.Contains("single token grid", e.Message);
    }

    /// <summary>
    /// A one-hot map on one image token, integrated over the original's own pixels, lights exactly the pixels of that
    /// token's cell (as the reference README places it), each in proportion to how much of it the cell covers.
    /// </summary>
    [Theory]
    [InlineData(1 * 4 + 2, 0, 1, 2)]     // base cell (1, 2): x ∈ [30, 45), y ∈ [5, 10)
    [InlineData(16 + 3, 1, 0, 3)]        // high-res cell (0, 3): x ∈ [22.5, 30), y ∈ [2.73, 10)
    [InlineData(16 + 9 + 7, 1, 1, 7)]    // high-res cell (1, 7), after row 0's newline token
    public void AOneHotTokenLightsExactlyItsCellOnTheOriginal(int token, int grid, int row, int column)
    {
        using var reference = ReferenceSet.LlavaNext();
        var layout = SubjectFactory.LlavaNextLayout(reference);
        Assert.Equal(new TokenCell(grid, row, column), layout.CellOf(token));
        var g = reference.Json["layout"]!["grids"]![grid == 0 ? "base" : "highres"]!;
        double[] rect = g["rect_xyxy"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
        double[] cellHw = g["cell_hw"]!.AsArray().Select(n => n!.GetValue<double>()).ToArray();
        double left = rect[0] + column * cellHw[1], top = rect[1] + row * cellHw[0];
        double right = left + cellHw[1], bottom = top + cellHw[0];

        var values = new double[layout.TokenCount];
        values[token] = 1;
        double[] pixels = MapComposer.BoxIntegral(new ImageTokenMap(layout, values), 60, 20);
        for (int y = 0; y < 20; y++)
            for (int x = 0; x < 60; x++)
            {
                double overlap = Math.Max(0, Math.Min(right, x + 1) - Math.Max(left, x)) * Math.Max(0, Math.Min(bottom, y + 1) - Math.Max(top, y));
                Assert.True(Math.Abs(overlap / (cellHw[0] * cellHw[1]) - pixels[y * 60 + x]) < 1e-12, $"pixel ({x}, {y})");
            }
        Assert.Equal(1, pixels.Sum(), 12);

        // A newline token has no cell and lights nothing.
        var newline = new double[layout.TokenCount];
        newline[24] = 1;
        Assert.All(MapComposer.BoxIntegral(new ImageTokenMap(layout, newline), 60, 20), v => Assert.Equal(0, v));
    }
}
