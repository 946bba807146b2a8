using Glimpse.Core.Images;
using SkiaSharp;

namespace Glimpse.Model.Tests.Processing;

public class RgbImageTests
{
    [Fact]
    public void DecodeOfBytesEqualsLoadOfFile()
    {
        string path = Path.Combine(ReferenceSet.Root, "llava_input.png");
        var fromFile = RgbImage.Load(path);
        var fromBytes = RgbImage.Decode(File.ReadAllBytes(path));
        Assert.Equal((48, 40), (fromFile.Width, fromFile.Height));
        Assert.Equal(fromFile.Pixels, fromBytes.Pixels);
    }

    [Fact]
    public void LosslessFormatsRoundTripExactly()
    {
        var image = TestImages.Random(7, 5, seed: 1);
        var rgba = TestImages.Opaque(image);
        foreach (var (format, bytes) in new[]
                 {
                     (ImageFormat.Png, TestImages.Encode(7, 5, rgba, SKEncodedImageFormat.Png)),
                     (ImageFormat.Webp, TestImages.EncodeWebpLossless(7, 5, rgba)),
                     (ImageFormat.Bmp, TestImages.Bmp(image)),
                 })
        {
            Assert.Equal(new ImageInfo(format, 7, 5), RgbImage.Probe(bytes));
            Assert.Equal(image.Pixels, RgbImage.Decode(bytes).Pixels);
        }
    }

    [Fact]
    public void GifDecodesItsPaletteColour()
    {
        var gif = TestImages.RedPixelGif();
        Assert.Equal(new ImageInfo(ImageFormat.Gif, 1, 1), RgbImage.Probe(gif));
        Assert.Equal(new byte[] { 255, 0, 0 }, RgbImage.Decode(gif).Pixels);
    }

    [Fact]
    public void JpegDecodesCloseToItsSource()
    {
        var image = RgbImage.Filled(16, 16, 200, 120, 40);
        var jpeg = TestImages.Encode(16, 16, TestImages.Opaque(image), SKEncodedImageFormat.Jpeg, quality: 95);
        Assert.Equal(new ImageInfo(ImageFormat.Jpeg, 16, 16), RgbImage.Probe(jpeg));
        var decoded = RgbImage.Decode(jpeg);
        Assert.All(decoded.Pixels.Zip(image.Pixels), p => Assert.InRange(p.First - p.Second, -3, 3));
    }

    [Fact]
    public void TransparencyIsCompositedOntoWhiteWithRounding()
    {
        // (colour, alpha) pairs; the expected byte is round((colour·alpha + 255·(255 − alpha)) / 255), which PIL's
        // integer alpha_composite over opaque white reproduces for every pair.
        (byte Colour, byte Alpha)[] samples = [(0, 0), (0, 255), (10, 128), (200, 1), (0, 254), (77, 77), (255, 3), (3, 200)];
        var rgba = new byte[samples.Length * 4];
        for (int i = 0; i < samples.Length; i++)
        {
            rgba[i * 4] = rgba[i * 4 + 1] = rgba[i * 4 + 2] = samples[i].Colour;
            rgba[i * 4 + 3] = samples[i].Alpha;
        }
        var decoded = RgbImage.Decode(TestImages.Encode(samples.Length, 1, rgba, SKEncodedImageFormat.Png));
        for (int i = 0; i < samples.Length; i++)
        {
            var (c, a) = samples[i];
            int expected = (int)Math.Round((c * a + 255.0 * (255 - a)) / 255.0);
            Assert.True(decoded.Pixels[i * 3] == expected, $"colour {c} alpha {a}: got {decoded.Pixels[i * 3]}, expected {expected}");
        }
    }

    // Stored quadrants: top-left red, top-right green, bottom-left blue, bottom-right white. The expected displayed
    // quadrants follow from the EXIF meaning of each orientation (e.g. 6: the image must be turned 90° clockwise).
    [Theory]
    [InlineData(1, "RGBW")]
    [InlineData(2, "GRWB")] // mirrored left-right
    [InlineData(3, "WBGR")] // rotated 180°
    [InlineData(4, "BWRG")] // mirrored top-bottom
    [InlineData(5, "RBGW")] // transposed
    [InlineData(6, "BRWG")] // turned clockwise
    [InlineData(7, "WGBR")] // transversed
    [InlineData(8, "GWRB")] // turned anticlockwise
    public void ExifOrientationIsApplied(int orientation, string quadrants)
    {
        const int width = 64, height = 32; // quadrants of whole 16×16 JPEG blocks, so colours stay clean
        var stored = new byte[width * height * 4];
        for (int y = 0; y < height; y++)
            for (int x = 0; x < width; x++)
            {
                var colour = Colour("RGBW"[(y < height / 2 ? 0 : 2) + (x < width / 2 ? 0 : 1)]);
                colour.CopyTo(stored, (y * width + x) * 4);
                stored[(y * width + x) * 4 + 3] = 255;
            }
        var jpeg = TestImages.WithExifOrientation(TestImages.Encode(width, height, stored, SKEncodedImageFormat.Jpeg), orientation);

        var image = RgbImage.Decode(jpeg);
        bool swapped = orientation >= 5;
        Assert.Equal(swapped ? (height, width) : (width, height), (image.Width, image.Height));
        Assert.Equal(new ImageInfo(ImageFormat.Jpeg, image.Width, image.Height), RgbImage.Probe(jpeg));
        for (int q = 0; q < 4; q++)
        {
            int x = q % 2 == 0 ? image.Width / 4 : image.Width * 3 / 4, y = q < 2 ? image.Height / 4 : image.Height * 3 / 4;
            var expected = Colour(quadrants[q]);
            for (int c = 0; c < 3; c++)
                Assert.InRange(image.Pixels[(y * image.Width + x) * 3 + c], expected[c] - 20, expected[c] + 20);
        }
    }

    private static byte[] Colour(char name) => name switch
    {
        'R' => [255, 0, 0],
        'G' => [0, 255, 0],
        'B' => [0, 0, 255],
        _ => [255, 255, 255],
    };

    [Fact]
    public void EmptyInputIsADecodeError()
    {
        var e = Assert.Throws<ImageDecodeException>(() => RgbImage.Decode([], "empty.png"));
        Assert.Contains("empty.png", e.Message);
        Assert.Equal("empty.png", e.InputName);
        Assert.Null(RgbImage.Probe(Array.Empty<byte>()));
    }

    [Fact]
    public void RandomBytesAreADecodeError()
    {
        var noise = new byte[4096];
        new Random(7).NextBytes(noise);
        var e = Assert.Throws<ImageDecodeException>(() => RgbImage.Decode(noise));
        Assert.Contains("4096-byte buffer", e.Message);
        Assert.Null(RgbImage.Probe(noise));
    }

    [Fact]
    public void TruncatedPngIsADecodeErrorNamingTheFile()
    {
        var png = File.ReadAllBytes(Path.Combine(ReferenceSet.Root, "qwen2vl_input.png"));
        string path = Path.Combine(Path.GetTempPath(), $"glimpse-truncated-{Guid.NewGuid():N}.png");
        File.WriteAllBytes(path, png[..(png.Length / 2)]);
        try
        {
            var e = Assert.Throws<ImageDecodeException>(() => RgbImage.Load(path));
            Assert.Contains(path, e.Message);
            Assert.Contains("truncated", e.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MissingFileIsNotADecodeError()
    {
        Assert.Throws<FileNotFoundException>(() => RgbImage.Load(Path.Combine(Path.GetTempPath(), $"glimpse-missing-{Guid.NewGuid():N}.png")));
    }

    [Fact]
    public void HugeHeaderIsProbedWithoutDecodingAndRefusedByDecode()
    {
        var png = TestImages.PngHeaderOnly(100_000, 80_000);
        Assert.True(png.Length < 100);
        long before = GC.GetAllocatedBytesForCurrentThread();
        var info = RgbImage.Probe(png);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.Equal(new ImageInfo(ImageFormat.Png, 100_000, 80_000), info);
        Assert.True(allocated < 1_000_000, $"probing allocated {allocated} bytes");

        var e = Assert.Throws<ImageDecodeException>(() => RgbImage.Decode(png, "huge.png"));
        Assert.Contains("100000×80000", e.Message);
    }

    [Fact]
    public void StreamProbeReadsTheHeaderAndLeavesTheStreamOpen()
    {
        using var stream = new MemoryStream(TestImages.PngHeaderOnly(123, 45));
        Assert.Equal(new ImageInfo(ImageFormat.Png, 123, 45), RgbImage.Probe(stream));
        Assert.True(stream.CanRead);
        stream.Position = 0;
        Assert.Equal(0x89, stream.ReadByte());

        using var noise = new MemoryStream(new byte[64]);
        Assert.Null(RgbImage.Probe(noise));
    }

    [Fact]
    public void StreamProbeWorksWithoutSeeking()
    {
        var png = File.ReadAllBytes(Path.Combine(ReferenceSet.Root, "qwen2vl_input.png"));
        using var stream = new ForwardOnlyStream(png);
        Assert.Equal(new ImageInfo(ImageFormat.Png, 90, 50), RgbImage.Probe(stream));
    }

    /// <summary>A network-like stream: readable once, front to back.</summary>
    private sealed class ForwardOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, count);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override void Flush() { }
        protected override void Dispose(bool disposing)
        {
            if (disposing) _inner.Dispose();
            base.Dispose(disposing);
        }
    }

    [Fact]
    public void ConstructorRejectsAWrongPixelCount()
    {
        Assert.Throws<ArgumentException>(() => new RgbImage(2, 2, new byte[11]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new RgbImage(0, 2, []));
    }
}
