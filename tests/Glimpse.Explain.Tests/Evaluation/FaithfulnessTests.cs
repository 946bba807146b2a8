using Glimpse.Core.Evaluation;
using Glimpse.Core.Images;
using Glimpse.Explain.Evaluation;
using Glimpse.Model;
using Glimpse.Model.Architectures;
using Glimpse.Model.Generation;
using Glimpse.Model.Processing;
using Glimpse.Model.Tests;
using TorchSharp;
using static TorchSharp.torch;

namespace Glimpse.Explain.Tests.Evaluation;

/// <summary>Deletion and insertion on the tiny reference models, checked against independent teacher-forced passes.</summary>
public class FaithfulnessTests
{
    private const double Tolerance = 1e-5;

    /// <summary>A runtime, a prepared prompt about one of the test images and its greedy answer (4 tokens, EOS not stopping).</summary>
    private sealed class Case : IDisposable
    {
        public VisionLanguageRuntime Runtime { get; }
        public PreparedPrompt Prompt { get; }
        public Answer Answer { get; }

        public Case(string set, int image = 0)
        {
            using var reference = set switch { "llava" => ReferenceSet.Llava(), "qwen2vl" => ReferenceSet.Qwen2VL(), "qwen3vl" => ReferenceSet.Qwen3VL(), _ => ReferenceSet.Qwen25VL() };
            Runtime = VisionLanguageRuntime.Open(reference.ModelDir);
            string folder = EvalFolders.Write($"faithfulness-{set}-{image}", image + 1);
            Prompt = Runtime.Prepare(RgbImage.Load(Path.Combine(folder, $"image-{image}.png")), "what color is the square?");
            Answer = Runtime.Answer(Prompt, new GenerationOptions { MaxNewTokens = 4, StopAtEos = false });
        }

        public double[] Map(int seed) => Enumerable.Range(0, Prompt.Image.ImageTokenCount).Select(i => (double)new Random(seed + i).Next(100)).ToArray();

        /// <summary>exp(mean log p(y_t)) from a plain TeacherForcedPass on the given image: the independent reference.</summary>
        public double TeacherForcedScore(ImageInput image)
        {
            using var scope = NewDisposeScope();
            long[] q = Answer.QueryPositions.Select(p => (long)p).ToArray();
            using var pass = TeacherForcedPass.Run(Runtime.Model, Answer.FullIds, image, new TeacherForcedOptions { LogitPositions = q });
            var y = torch.tensor(Answer.Generation.NewTokens).unsqueeze(1);
            return pass.Logits[0].to(float64).log_softmax(-1).gather(1, y).mean().exp().item<double>();
        }

        public void Dispose()
        {
            Answer.Dispose();
            Prompt.Dispose();
            Runtime.Dispose();
        }
    }

    [Theory]
    [InlineData("llava")]
    [InlineData("qwen2vl")]
    [InlineData("qwen3vl")]   // the batched scoring gives each perturbed image its own DeepStack additions
    public void CurvesRunFromTheUnperturbedScoreToTheFullySubstitutedImage(string set)
    {
        using var c = new Case(set);
        using var scope = NewDisposeScope();
        using var faithfulness = new Faithfulness(c.Runtime.Model, c.Prompt, c.Answer, new FaithfulnessOptions { Steps = 10 });
        var curves = faithfulness.Measure(c.Map(1));
        int cells = c.Prompt.Image.ImageTokenCount;
        Assert.Equal(set == "llava" ? 16 : 6, cells);

        foreach (var curve in new[] { curves.Deletion, curves.Insertion })
        {
            Assert.Equal(11, curve.Scores.Length);
            Assert.Equal(11, curve.Fractions.Length);
            Assert.Equal(0, curve.Fractions[0]);
            Assert.Equal(1, curve.Fractions[^1]);
            Assert.All(curve.Scores, s => Assert.InRange(s, 0, 1));
        }
        double unperturbed = c.TeacherForcedScore(c.Prompt.ModelInput);
        Assert.Equal(unperturbed, curves.Deletion.Scores[0], Tolerance);
        Assert.Equal(unperturbed, curves.Insertion.Scores[^1], Tolerance);

        // Everything deleted: every model-input pixel at the substrate, 0 in normalised space, built here directly.
        using var substrate = torch.zeros_like(c.Prompt.Image.PixelValues);
        Assert.Equal(c.TeacherForcedScore(new ImageInput(substrate, c.Prompt.Image.ImageGridThw)), curves.Deletion.Scores[^1], Tolerance);
        // Insertion starts elsewhere (a blurred image): the ends of the two curves differ.
        Assert.NotEqual(curves.Insertion.Scores[0], curves.Deletion.Scores[^1]);
    }

    [Fact]
    public void ATiledLayoutIsRefusedByNameUntilTilesCanBePerturbed()
    {
        var error = Assert.Throws<NotSupportedException>(() => ModelInputPlanes.SingleGrid(Report.SampleResults.TwoGrids()));
        Assert.Contains("2 grids (base, high-res)", error.Message);
        Assert.Same(Report.SampleResults.Layout.Grids[0], ModelInputPlanes.SingleGrid(Report.SampleResults.Layout.WithLeadingUnplaced(0)));
    }

    [Fact]
    public void TheRandomControlIsSeededAndDiffersFromAMapsOrdering()
    {
        using var c = new Case("llava");
        using var first = new Faithfulness(c.Runtime.Model, c.Prompt, c.Answer, new FaithfulnessOptions { Seed = 3 });
        using var again = new Faithfulness(c.Runtime.Model, c.Prompt, c.Answer, new FaithfulnessOptions { Seed = 3 });
        using var other = new Faithfulness(c.Runtime.Model, c.Prompt, c.Answer, new FaithfulnessOptions { Seed = 4 });
        var control = first.RandomControl();
        Assert.Equal(control.Deletion.Scores, again.RandomControl().Deletion.Scores);
        Assert.NotEqual(control.Deletion.Scores, other.RandomControl().Deletion.Scores);
        Assert.Equal(11, control.Insertion.Scores.Length);
        // The ends are the same images whatever the ordering.
        var mapped = first.Measure(c.Map(2));
        Assert.Equal(mapped.Deletion.Scores[0], control.Deletion.Scores[0]);
        Assert.Equal(mapped.Deletion.Scores[^1], control.Deletion.Scores[^1]);
        Assert.Equal(mapped.Insertion.Scores[0], control.Insertion.Scores[0]);
    }

    [Fact]
    public void BatchingGivesTheSameNumbersAsOneImageAtATime()
    {
        using var c = new Case("llava");
        double[] map = c.Map(5);
        using var single = new Faithfulness(c.Runtime.Model, c.Prompt, c.Answer, new FaithfulnessOptions { BatchSize = 1 });
        using var batched = new Faithfulness(c.Runtime.Model, c.Prompt, c.Answer, new FaithfulnessOptions { BatchSize = 8 });
        var a = single.Measure(map);
        var b = batched.Measure(map);
        for (int j = 0; j < 11; j++)
        {
            Assert.Equal(a.Deletion.Scores[j], b.Deletion.Scores[j], Tolerance);
            Assert.Equal(a.Insertion.Scores[j], b.Insertion.Scores[j], Tolerance);
        }
        Assert.Equal(a.Deletion.Area, b.Deletion.Area, Tolerance);
    }

    [Fact]
    public void TheOrderingFollowsTheMapAndTheAreaIsTheTrapezoidRule()
    {
        using var c = new Case("llava");
        using var faithfulness = new Faithfulness(c.Runtime.Model, c.Prompt, c.Answer, new FaithfulnessOptions { Steps = 4 });
        // 16 cells in 4 steps: 0, 4, 8, 12, 16 cells. A map ranking cells 15, 14, … first is the reversed ordering.
        Assert.Equal([0, 4, 8, 12, 16], faithfulness.Schedule);
        var byMap = faithfulness.Measure(Enumerable.Range(0, 16).Select(i => (double)i).ToArray());
        var byOrder = faithfulness.Measure(Enumerable.Range(0, 16).Reverse().ToArray());
        Assert.Equal(byOrder.Deletion.Scores, byMap.Deletion.Scores);
        var s = byMap.Deletion.Scores;
        double trapezoid = 0.25 * ((s[0] + s[1]) / 2 + (s[1] + s[2]) / 2 + (s[2] + s[3]) / 2 + (s[3] + s[4]) / 2);
        Assert.Equal(trapezoid, byMap.Deletion.Area, 12);
        Assert.Throws<ArgumentException>(() => faithfulness.Measure([0, 1, 2]));
        Assert.Throws<ArgumentException>(() => faithfulness.Measure(new double[15]));
    }

    [Theory]
    [InlineData("llava")]
    [InlineData("qwen2vl")]
    [InlineData("qwen25vl")]
    [InlineData("qwen3vl")]
    public void PlanesRoundTripThroughTheProcessorsLayout(string set)
    {
        using var c = new Case(set);
        using var scope = NewDisposeScope();
        var layout = new ModelInputPlanes(c.Prompt.Image);
        using var planes = layout.Planes();
        var input = c.Prompt.Image.Layout.Grids[0].Geometry.ModelInput;
        Assert.Equal([3, input.Height, input.Width], planes.shape);
        var packed = layout.Pack(planes);
        using var values = packed.PixelValues;
        Assert.True((values == c.Prompt.Image.PixelValues).all().item<bool>(), "packing the planes gives back pixel_values exactly");
        Assert.Equal(c.Prompt.Image.ImageGridThw, packed.GridThw);
    }

    [Fact]
    public void QwenPlanesAreTheResizedNormalisedImageAndACellIsItsTokensPatchRows()
    {
        using var c = new Case("qwen2vl");
        using var scope = NewDisposeScope();
        var image = c.Prompt.Image;
        var layout = new ModelInputPlanes(image);
        using var planes = layout.Planes();
        int width = layout.Width, height = layout.Height;
        var original = RgbImage.Load(Path.Combine(AppContext.BaseDirectory, "eval-data", "faithfulness-qwen2vl-0", "image-0.png"));
        var resized = PilResample.Resize(original, width, height, PilResampleFilter.Bicubic);
        var statistics = ChannelStatistics.OpenAiClip;
        float[] values = planes.data<float>().ToArray();
        for (int ch = 0; ch < 3; ch++)
            for (int y = 0; y < height; y += 5)
                for (int x = 0; x < width; x += 3)
                {
                    double expected = (resized.Pixels[(y * width + x) * 3 + ch] / 255.0 - statistics.Mean[ch]) / statistics.Std[ch];
                    Assert.Equal(expected, values[(ch * height + y) * width + x], 4);
                }

        // Changing token cell (1, 2) changes exactly that token's patch rows: merge² consecutive rows from 4 · (1 · gw + 2).
        int cell = image.Layout.Grids[0].CellSize, gridWidth = image.Layout.Grids[0].Columns;
        using var changed = planes.clone();
        changed[.., (1 * cell)..(2 * cell), (2 * cell)..(3 * cell)] = torch.tensor(9f);
        using var rows = layout.Pack(changed).PixelValues;
        var differs = (rows != image.PixelValues).any(1).data<bool>().ToArray();
        int first = 4 * (1 * gridWidth + 2);
        Assert.Equal(Enumerable.Range(0, differs.Length).Select(r => r >= first && r < first + 4).ToArray(), differs);
    }
}
