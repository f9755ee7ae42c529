using System.Runtime.Intrinsics;
using System.Runtime.InteropServices;
using CortexHybrid.Native;
using CortexHybrid.Simd;

namespace CortexHybrid.Tests.Simd;

/// <summary>The documented exceptions, the selector, and what each kernel says it runs.</summary>
public class QuantizedKernelContractTests
{
    [Theory]
    [MemberData(nameof(QuantizedBackends.All), MemberType = typeof(QuantizedBackends))]
    public void Mismatched_and_too_long_vectors_throw_the_documented_exceptions(string backend)
    {
        IQuantizedKernel kernel = QuantizedBackends.Get(backend);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => kernel.DotInt8(new sbyte[3], new sbyte[4])).ParamName);
        Assert.Equal("y", Assert.Throws<ArgumentException>(() => kernel.DotBFloat16(new ushort[17], new ushort[16])).ParamName);
        Assert.Equal(0, kernel.DotInt8([], []));
        Assert.Equal(0f, kernel.DotBFloat16([], []));

        sbyte[] tooLong = new sbyte[QuantizedKernels.MaxInt8Length + 1];
        Assert.Equal("x", Assert.Throws<ArgumentOutOfRangeException>(() => kernel.DotInt8(tooLong, tooLong)).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentOutOfRangeException>(() => kernel.DotBatchInt8(tooLong, tooLong, new int[1])).ParamName);

        // bf16 has no such limit: the sum is f32.
        ushort[] longBFloat16 = new ushort[QuantizedKernels.MaxInt8Length + 1];
        Assert.Equal(0f, kernel.DotBFloat16(longBFloat16, longBFloat16));
    }

    [Theory]
    [MemberData(nameof(QuantizedBackends.All), MemberType = typeof(QuantizedBackends))]
    public void Bad_batches_throw_ArgumentException_naming_the_parameter(string backend)
    {
        IQuantizedKernel kernel = QuantizedBackends.Get(backend);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => kernel.DotBatchInt8([], new sbyte[4], new int[1])).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentException>(() => kernel.DotBatchInt8(new sbyte[4], new sbyte[9], new int[2])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => kernel.DotBatchInt8(new sbyte[4], new sbyte[8], new int[3])).ParamName);
        Assert.Equal("query", Assert.Throws<ArgumentException>(() => kernel.DotBatchBFloat16([], new ushort[4], new float[1])).ParamName);
        Assert.Equal("rows", Assert.Throws<ArgumentException>(() => kernel.DotBatchBFloat16(new ushort[4], new ushort[9], new float[2])).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() => kernel.DotBatchBFloat16(new ushort[4], new ushort[8], new float[1])).ParamName);

        // A destination that shares memory with the rows or the query.
        byte[] shared = new byte[64];
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() =>
            kernel.DotBatchInt8(new sbyte[8], MemoryMarshal.Cast<byte, sbyte>(shared.AsSpan(0, 32)), MemoryMarshal.Cast<byte, int>(shared.AsSpan(16, 16)))).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() =>
            kernel.DotBatchInt8(MemoryMarshal.Cast<byte, sbyte>(shared.AsSpan(0, 8)), new sbyte[16], MemoryMarshal.Cast<byte, int>(shared.AsSpan(4, 8)))).ParamName);
        Assert.Equal("destination", Assert.Throws<ArgumentException>(() =>
            kernel.DotBatchBFloat16(new ushort[4], MemoryMarshal.Cast<byte, ushort>(shared.AsSpan(0, 32)), MemoryMarshal.Cast<byte, float>(shared.AsSpan(24, 16)))).ParamName);

        // No rows is a valid batch of none.
        kernel.DotBatchInt8(new sbyte[4], [], []);
        kernel.DotBatchBFloat16(new ushort[4], [], []);
    }

    [Fact]
    public void For_returns_the_kernel_of_each_backend()
    {
        Assert.Same(QuantizedKernels.Scalar, QuantizedKernels.For(KernelBackend.Scalar));
        Assert.Same(QuantizedKernels.Managed, QuantizedKernels.For(KernelBackend.Managed));
        Assert.Same(QuantizedKernels.Native, QuantizedKernels.For(KernelBackend.Native));
        Assert.Throws<ArgumentOutOfRangeException>(() => QuantizedKernels.For((KernelBackend)42));

        Assert.Equal(KernelBackend.Scalar, QuantizedKernels.Scalar.Backend);
        Assert.Equal(KernelBackend.Managed, QuantizedKernels.Managed.Backend);
        Assert.Equal(KernelBackend.Native, QuantizedKernels.Native!.Backend);
        Assert.Same(QuantizedKernels.UpTo512, QuantizedKernels.Managed);
    }

    [Fact]
    public void Descriptions_name_the_instruction_sets_that_run()
    {
        uint capabilities = NativeLibraryLoader.Result.Capabilities;
        string native = QuantizedKernels.Native!.Description;
        Assert.Equal((capabilities & NativeMethods.CORTEX_ACTIVE_I8_AVX512VNNI) != 0, native.Contains("int8: AVX-512 VNNI", StringComparison.Ordinal));
        Assert.Equal((capabilities & NativeMethods.CORTEX_ACTIVE_BF16_AVX512BF16) != 0, native.Contains("bf16: AVX-512 BF16", StringComparison.Ordinal));
        Assert.Equal((capabilities & NativeMethods.CORTEX_ACTIVE_BF16_AVX512BF16) != 0, QuantizedKernels.NativeKernel!.FlushesBFloat16Denormals);

        string widest = Vector512.IsHardwareAccelerated ? "Vector512" : Vector256.IsHardwareAccelerated ? "Vector256" : Vector128.IsHardwareAccelerated ? "Vector128" : "no hardware SIMD";
        Assert.Contains(widest, QuantizedKernels.Managed.Description, StringComparison.Ordinal);
        Assert.Contains(Vector128.IsHardwareAccelerated ? "Vector128" : "no hardware SIMD", QuantizedKernels.UpTo128.Description, StringComparison.Ordinal);
        Assert.Equal("scalar", QuantizedKernels.Scalar.Description);
    }

    [Fact]
    public void The_portable_multiply_add_sums_every_product_exactly()
    {
        // The portable widening runs only where a width has no vpmaddwd (never on x64, so it is
        // called directly here); lanes differ from the instruction's, the sum must not.
        var random = new Random(40);
        for (int trial = 0; trial < 200; trial++)
        {
            short[] a = Enumerable.Range(0, 32).Select(_ => trial == 0 ? (short)-128 : (short)random.Next(-128, 128)).ToArray();
            short[] b = Enumerable.Range(0, 32).Select(_ => trial == 0 ? (short)-128 : (short)random.Next(-128, 128)).ToArray();
            long Expected(int lanes) => Enumerable.Range(0, lanes).Sum(i => (long)a[i] * b[i]);

            Assert.Equal(Expected(8), Vector128.Sum(QuantizedVector128Isa.MultiplyAddAdjacentPortable(Vector128.Create<short>(a), Vector128.Create<short>(b))));
            Assert.Equal(Expected(16), Vector256.Sum(QuantizedVector256Isa.MultiplyAddAdjacentPortable(Vector256.Create<short>(a), Vector256.Create<short>(b))));
            Assert.Equal(Expected(32), Vector512.Sum(QuantizedVector512Isa.MultiplyAddAdjacentPortable(Vector512.Create<short>(a), Vector512.Create<short>(b))));
        }
    }
}
