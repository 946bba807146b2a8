using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Glimpse.Pipeline.Tests;

/// <summary>Image files built byte by byte, so a test can make a header claim anything (a decompression bomb, a zero size).</summary>
public static class CraftedImages
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>
    /// A well-formed PNG (8-bit RGB) whose IHDR claims <paramref name="width"/>×<paramref name="height"/>, with one
    /// IDAT chunk of <paramref name="rows"/> zero rows at most, so a huge claim stays a file of a few hundred bytes.
    /// </summary>
    public static byte[] Png(int width, int height, int rows = 1)
    {
        using var output = new MemoryStream();
        output.Write(PngSignature);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(0), width);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), height);
        header[8] = 8;  // bit depth
        header[9] = 2;  // colour type: RGB
        WriteChunk(output, "IHDR", header);
        int rowBytes = 1 + 3 * Math.Clamp(width, 0, 4096);
        WriteChunk(output, "IDAT", Deflate(new byte[rowBytes * Math.Max(rows, 1)]));
        WriteChunk(output, "IEND", []);
        return output.ToArray();
    }

    /// <summary>A 24-bit BMP header claiming the size, without pixel data.</summary>
    public static byte[] BmpHeader(int width, int height)
    {
        var bytes = new byte[54];
        bytes[0] = (byte)'B';
        bytes[1] = (byte)'M';
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(2), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(10), 54);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(14), 40);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(18), width);
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(22), height);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(26), 1);
        BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(28), 24);
        return bytes;
    }

    /// <summary>A GIF89a logical screen descriptor claiming the size, with one tiny frame.</summary>
    public static byte[] Gif(ushort width, ushort height)
    {
        using var output = new MemoryStream();
        output.Write("GIF89a"u8);
        Span<byte> screen = stackalloc byte[7];
        BinaryPrimitives.WriteUInt16LittleEndian(screen, width);
        BinaryPrimitives.WriteUInt16LittleEndian(screen[2..], height);
        output.Write(screen);
        // Image descriptor for a 1×1 frame, LZW minimum code size 2, one data sub-block, then the trailer.
        output.Write([0x2C, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3B]);
        return output.ToArray();
    }

    private static void WriteChunk(Stream output, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        output.Write(length);
        byte[] typeAndData = [.. Encoding.ASCII.GetBytes(type), .. data];
        output.Write(typeAndData);
        Span<byte> crc = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(crc, Crc32(typeAndData));
        output.Write(crc);
    }

    private static byte[] Deflate(byte[] data)
    {
        using var output = new MemoryStream();
        using (var zlib = new ZLibStream(output, CompressionLevel.Optimal)) zlib.Write(data);
        return output.ToArray();
    }

    /// <summary>PNG's CRC-32 (ISO 3309, polynomial 0xEDB88320), bit by bit: tiny inputs, no table needed.</summary>
    private static uint Crc32(byte[] data)
    {
        uint crc = 0xFFFFFFFF;
        foreach (byte b in data)
        {
            crc ^= b;
            for (int bit = 0; bit < 8; bit++) crc = (crc & 1) != 0 ? (crc >> 1) ^ 0xEDB88320 : crc >> 1;
        }
        return ~crc;
    }

    /// <summary>The tiny model's test image re-encoded as a baseline JPEG (by Skia, the decoder the worker uses).</summary>
    public static byte[] Jpeg()
    {
        using var bitmap = SkiaSharp.SKBitmap.Decode(TinyModels.LlavaImage());
        using var image = SkiaSharp.SKImage.FromBitmap(bitmap);
        using var data = image.Encode(SkiaSharp.SKEncodedImageFormat.Jpeg, 90);
        return data.ToArray();
    }

    /// <summary>A real JPEG whose frame header (SOF0) is rewritten to claim <paramref name="width"/>×<paramref name="height"/>.</summary>
    public static byte[] JpegClaiming(ushort width, ushort height)
    {
        byte[] jpeg = Jpeg();
        int sof = Enumerable.Range(2, jpeg.Length - 10).First(i => jpeg[i] == 0xFF && jpeg[i + 1] == 0xC0);
        // SOF0: marker, length (2), precision (1), height (2), width (2).
        (jpeg[sof + 5], jpeg[sof + 6], jpeg[sof + 7], jpeg[sof + 8]) = ((byte)(height >> 8), (byte)height, (byte)(width >> 8), (byte)width);
        return jpeg;
    }
}
