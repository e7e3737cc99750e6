package dev.azurekeyvaultissuer.emulator; public final class EmulatorMain { public static void main(String[] a){} }
